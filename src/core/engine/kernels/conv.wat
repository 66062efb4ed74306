;; Patch extraction for 2-D convolutions (NHWC, float32), so that a
;; convolution and its two gradients become matrix products (gemm.wat):
;;
;;   im2col: cols[(b, y, x), (i, j, c)] = x[b, y·sh + i − pt, x·sw + j − pl, c]
;;           (0 where the position falls in the padding)
;;   col2im: out[b, y·sh + i − pt, x·sw + j − pl, c] += cols[(b, y, x), (i, j, c)]
;;           (out is zeroed first; positions in the padding are dropped)
;;
;; x / out is [batch, h, w, c]; cols is [batch·oh·ow, kh·kw·c], row-major.
;; col2im adds the patches in row order, so its sums are deterministic.
;; Offsets are bytes into the TF.js wasm backend's memory (imported); c
;; floats are moved 4 at a time with a scalar tail. addto adds one buffer
;; into another (the partial products of a blocked reduction).
(module
  (import "env" "memory" (memory 1))

  ;; dst[0..n) = src[0..n)
  (func $copy (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $vdone (loop $v
      (br_if $vdone (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $dst) (v128.load (local.get $src)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $v)))
    (block $sdone (loop $s
      (br_if $sdone (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.load (local.get $src)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $s))))

  ;; dst[0..n) += src[0..n)
  (func $accumulate (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $vdone (loop $v
      (br_if $vdone (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $v)))
    (block $sdone (loop $s
      (br_if $sdone (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $s))))

  ;; dst[0..n) = 0
  (func $zero (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $vdone (loop $v
      (br_if $vdone (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $dst) (v128.const f32x4 0 0 0 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $v)))
    (block $sdone (loop $s
      (br_if $sdone (i32.ge_u (local.get $dst) (local.get $end)))
      (f32.store (local.get $dst) (f32.const 0))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (br $s))))

  ;; Walks every (b, y, x, i, j): mode 0 copies image → patch row (im2col),
  ;; mode 1 adds patch row → image (col2im). `img` is x or out, `cols` the patches.
  (func $walk (param $img i32) (param $cols i32) (param $batch i32) (param $h i32) (param $w i32) (param $c i32)
              (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
              (param $oh i32) (param $ow i32) (param $mode i32)
    (local $b i32) (local $y i32) (local $x i32) (local $i i32) (local $j i32)
    (local $iy i32) (local $ix i32) (local $p i32) (local $cbytes i32) (local $plane i32) (local $src i32)
    (local.set $cbytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $p (local.get $cols))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bl
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $plane (i32.add (local.get $img) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $w)) (local.get $cbytes))))
      (local.set $y (i32.const 0))
      (block $ydone (loop $yl
        (br_if $ydone (i32.ge_u (local.get $y) (local.get $oh)))
        (local.set $x (i32.const 0))
        (block $xdone (loop $xl
          (br_if $xdone (i32.ge_u (local.get $x) (local.get $ow)))
          (local.set $i (i32.const 0))
          (block $idone (loop $il
            (br_if $idone (i32.ge_u (local.get $i) (local.get $kh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $y) (local.get $sh)) (local.get $i)) (local.get $pt)))
            (local.set $ix (i32.sub (i32.mul (local.get $x) (local.get $sw)) (local.get $pl)))
            (local.set $j (i32.const 0))
            ;; A kernel row inside the image: its kw·c values lie together in both buffers, one move.
            (if (i32.and (i32.lt_u (local.get $iy) (local.get $h))
                         (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.le_s (i32.add (local.get $ix) (local.get $kw)) (local.get $w))))
              (then
                (local.set $src (i32.add (local.get $plane)
                  (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (local.get $cbytes))))
                (if (local.get $mode)
                  (then (call $accumulate (local.get $p) (local.get $src) (i32.mul (local.get $kw) (local.get $c))))
                  (else (call $copy (local.get $src) (local.get $p) (i32.mul (local.get $kw) (local.get $c)))))
                (local.set $p (i32.add (local.get $p) (i32.mul (local.get $kw) (local.get $cbytes))))
                (local.set $j (local.get $kw))))
            (block $jdone (loop $jl
              (br_if $jdone (i32.ge_u (local.get $j) (local.get $kw)))
              (local.set $ix (i32.sub (i32.add (i32.mul (local.get $x) (local.get $sw)) (local.get $j)) (local.get $pl)))
              (if (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
                (then
                  (local.set $src (i32.add (local.get $plane)
                    (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (local.get $cbytes))))
                  (if (local.get $mode)
                    (then (call $accumulate (local.get $p) (local.get $src) (local.get $c)))
                    (else (call $copy (local.get $src) (local.get $p) (local.get $c)))))
                (else
                  (if (i32.eqz (local.get $mode)) (then (call $zero (local.get $p) (local.get $c))))))
              (local.set $p (i32.add (local.get $p) (local.get $cbytes)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jl)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $il)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $xl)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))

  (func (export "im2col") (param $x i32) (param $cols i32) (param $batch i32) (param $h i32) (param $w i32) (param $c i32)
              (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
              (param $oh i32) (param $ow i32)
    (call $walk (local.get $x) (local.get $cols) (local.get $batch) (local.get $h) (local.get $w) (local.get $c)
      (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $pt) (local.get $pl)
      (local.get $oh) (local.get $ow) (i32.const 0)))

  ;; dst[0..n) += src[0..n): partial products of a blocked reduction.
  (func (export "addto") (param $src i32) (param $dst i32) (param $n i32)
    (call $accumulate (local.get $src) (local.get $dst) (local.get $n)))

  (func (export "col2im") (param $cols i32) (param $out i32) (param $batch i32) (param $h i32) (param $w i32) (param $c i32)
              (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $pt i32) (param $pl i32)
              (param $oh i32) (param $ow i32)
    (call $zero (local.get $out) (i32.mul (i32.mul (i32.mul (local.get $batch) (local.get $h)) (local.get $w)) (local.get $c)))
    (call $walk (local.get $out) (local.get $cols) (local.get $batch) (local.get $h) (local.get $w) (local.get $c)
      (local.get $kh) (local.get $kw) (local.get $sh) (local.get $sw) (local.get $pt) (local.get $pl)
      (local.get $oh) (local.get $ow) (i32.const 1)))
)
