;; Matrix product with an optional bias row and ReLU, for TF.js's wasm backend:
;;   C[i, j] = act( Σ_k A(i, k) · B(k, j) + bias[j] )
;; Both operands are read through byte strides, A(i, k) = a[i·sai + k·sak] and
;; B(k, j) = b[k·sbk + j·sbj], so transposed operands are read where they lie.
;; C [M, N] is row-major with row stride ldc in bytes. Offsets are bytes into
;; the backend's memory (imported). flags: 1 = add bias, 2 = ReLU.
;; scratch: room for 5·⌈M/5⌉·K + 8·K floats, where the operands are repacked.
;;
;; A's rows are first copied into panels of 5 rows, k-major (5 consecutive
;; floats per k; the last panel padded with zero rows), and each 8-column
;; panel of B into K rows of 8 consecutive floats, so the inner loop reads
;; both at fixed offsets from two pointers (and a panel of B stays in L1
;; while every row panel of A passes over it). C is computed in tiles of
;; 5 rows × 8 columns held in ten SIMD registers: for each k, one row of the
;; B panel is loaded once and multiplied by the five broadcast A(i, k). (Ten
;; accumulators, two B vectors, the broadcast and a product fill 14 of the 15
;; vector registers V8 allocates on x64; a sixth row, or k unrolled by two,
;; spills and runs slower.) At the right edge the panels are 4 columns, then
;; single columns read in place. Rows past M are computed from the zero
;; padding but never stored. Products are summed in increasing k, then the
;; bias is added, then ReLU.
(module
  (import "env" "memory" (memory 1))

  ;; Bias and ReLU on one vector of results; pbias points at bias[j].
  (func $finish (param $v v128) (param $pbias i32) (param $flags i32) (result v128)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then (local.set $v (f32x4.add (local.get $v) (v128.load (local.get $pbias))))))
    (if (i32.and (local.get $flags) (i32.const 2))
      (then (local.set $v (f32x4.max (local.get $v) (v128.const f32x4 0 0 0 0)))))
    (local.get $v))

  ;; The same for one result.
  (func $finish1 (param $v f32) (param $pbias i32) (param $flags i32) (result f32)
    (if (i32.and (local.get $flags) (i32.const 1))
      (then (local.set $v (f32.add (local.get $v) (f32.load (local.get $pbias))))))
    (if (i32.and (local.get $flags) (i32.const 2))
      (then (local.set $v (f32.max (local.get $v) (f32.const 0)))))
    (local.get $v))

  ;; 5 rows × 8 columns from a packed A panel (pa: 5 floats per k) and a packed B panel
  ;; (pb: 8 floats per k), two k at a time; stores the first `rows` rows.
  (func $q8 (param $pa i32) (param $pb i32) (param $pc i32) (param $ldc i32)
              (param $k i32) (param $rows i32) (param $pbias i32) (param $flags i32)
    (local $x v128) (local $pairs i32) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128)
    (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128)
    (local $c30 v128) (local $c31 v128)
    (local $c40 v128) (local $c41 v128)
    (if (local.get $k) (then (loop $kl
      (local.set $b0 (v128.load offset=0 (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $x (v128.load32_splat offset=0 (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $x (v128.load32_splat offset=16 (local.get $pa)))
      (local.set $c40 (f32x4.add (local.get $c40) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $c41 (f32x4.add (local.get $c41) (f32x4.mul (local.get $x) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 20)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
      (br_if $kl (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (block $stored
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c00) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (v128.store offset=16 (local.get $pc) (call $finish (local.get $c01) (i32.add (local.get $pbias) (i32.const 16)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c10) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (v128.store offset=16 (local.get $pc) (call $finish (local.get $c11) (i32.add (local.get $pbias) (i32.const 16)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 2)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c20) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (v128.store offset=16 (local.get $pc) (call $finish (local.get $c21) (i32.add (local.get $pbias) (i32.const 16)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 3)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c30) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (v128.store offset=16 (local.get $pc) (call $finish (local.get $c31) (i32.add (local.get $pbias) (i32.const 16)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 4)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c40) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (v128.store offset=16 (local.get $pc) (call $finish (local.get $c41) (i32.add (local.get $pbias) (i32.const 16)) (local.get $flags)))))

  ;; 5 rows × 4 columns from a packed A panel (pa: 5 floats per k) and a packed B panel
  ;; (pb: 4 floats per k), two k at a time; stores the first `rows` rows.
  (func $q4 (param $pa i32) (param $pb i32) (param $pc i32) (param $ldc i32)
              (param $k i32) (param $rows i32) (param $pbias i32) (param $flags i32)
    (local $x v128) (local $pairs i32) (local $b0 v128)
    (local $c00 v128)
    (local $c10 v128)
    (local $c20 v128)
    (local $c30 v128)
    (local $c40 v128)
    (if (local.get $k) (then (loop $kl
      (local.set $b0 (v128.load offset=0 (local.get $pb)))
      (local.set $x (v128.load32_splat offset=0 (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $x (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $x (v128.load32_splat offset=8 (local.get $pa)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $x (v128.load32_splat offset=12 (local.get $pa)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $x (v128.load32_splat offset=16 (local.get $pa)))
      (local.set $c40 (f32x4.add (local.get $c40) (f32x4.mul (local.get $x) (local.get $b0))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 20)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
      (br_if $kl (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (block $stored
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c00) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c10) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 2)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c20) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 3)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c30) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 4)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (v128.store offset=0 (local.get $pc) (call $finish (local.get $c40) (i32.add (local.get $pbias) (i32.const 0)) (local.get $flags)))))

  ;; 5 rows × 1 column from a packed A panel (pa: A(i..i+4, k), 5 floats per k); stores the first `rows` rows.
  (func $p1 (param $pa i32) (param $pb i32) (param $ldb i32) (param $pc i32) (param $ldc i32)
              (param $k i32) (param $rows i32) (param $pbias i32) (param $flags i32)
    (local $b f32)
    (local $c0 f32) (local $c1 f32) (local $c2 f32) (local $c3 f32) (local $c4 f32)
    (if (local.get $k) (then (loop $kl
      (local.set $b (f32.load (local.get $pb)))
      (local.set $c0 (f32.add (local.get $c0) (f32.mul (f32.load offset=0 (local.get $pa)) (local.get $b))))
      (local.set $c1 (f32.add (local.get $c1) (f32.mul (f32.load offset=4 (local.get $pa)) (local.get $b))))
      (local.set $c2 (f32.add (local.get $c2) (f32.mul (f32.load offset=8 (local.get $pa)) (local.get $b))))
      (local.set $c3 (f32.add (local.get $c3) (f32.mul (f32.load offset=12 (local.get $pa)) (local.get $b))))
      (local.set $c4 (f32.add (local.get $c4) (f32.mul (f32.load offset=16 (local.get $pa)) (local.get $b))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 20)))
      (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
      (br_if $kl (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))))
    (block $stored
      (f32.store (local.get $pc) (call $finish1 (local.get $c0) (local.get $pbias) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 1)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (f32.store (local.get $pc) (call $finish1 (local.get $c1) (local.get $pbias) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 2)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (f32.store (local.get $pc) (call $finish1 (local.get $c2) (local.get $pbias) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 3)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (f32.store (local.get $pc) (call $finish1 (local.get $c3) (local.get $pbias) (local.get $flags)))
      (br_if $stored (i32.le_u (local.get $rows) (i32.const 4)))
      (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
      (f32.store (local.get $pc) (call $finish1 (local.get $c4) (local.get $pbias) (local.get $flags)))))

  ;; Packs A into panels of 5 rows, k-major: dst[p][k][r] = A(5p + r, k), zero for rows ≥ m.
  (func $pack (param $a i32) (param $sai i32) (param $sak i32) (param $m i32) (param $k i32) (param $dst i32)
    (local $row i32) (local $p i32) (local $kk i32) (local $r i32) (local $left i32)
    (local.set $left (local.get $m))
    (block $pdone (loop $pl
      (br_if $pdone (i32.eqz (local.get $left)))
      (local.set $row (local.get $a))
      (local.set $kk (i32.const 0))
      (if (i32.ge_u (local.get $left) (i32.const 5))
        (then
          (block $kdone (loop $kl
            (br_if $kdone (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $p (local.get $row))
            (f32.store offset=0 (local.get $dst) (f32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $sai)))
            (f32.store offset=4 (local.get $dst) (f32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $sai)))
            (f32.store offset=8 (local.get $dst) (f32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $sai)))
            (f32.store offset=12 (local.get $dst) (f32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $sai)))
            (f32.store offset=16 (local.get $dst) (f32.load (local.get $p)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 20)))
            (local.set $row (i32.add (local.get $row) (local.get $sak)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $kl)))
          (local.set $left (i32.sub (local.get $left) (i32.const 5))))
        (else
          ;; the last, partial panel
          (block $kdone (loop $kl
            (br_if $kdone (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $p (local.get $row))
            (local.set $r (i32.const 0))
            (block $rdone (loop $rl
              (br_if $rdone (i32.ge_u (local.get $r) (i32.const 5)))
              ;; (an if, not a select: a select would load the row past the last, outside A)
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (if (result f32) (i32.lt_u (local.get $r) (local.get $left))
                  (then (f32.load (local.get $p))) (else (f32.const 0))))
              (if (i32.lt_u (local.get $r) (local.get $left)) (then (local.set $p (i32.add (local.get $p) (local.get $sai)))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $rl)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 20)))
            (local.set $row (i32.add (local.get $row) (local.get $sak)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $kl)))
          (local.set $left (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (i32.mul (local.get $sai) (i32.const 5))))
      (br $pl))))

  ;; Packs columns [j, j+w) of B (B(k, j) = b[k·sbk + j·sbj]) k-major: dst[k][c] = B(k, j+c).
  (func $packb (param $b i32) (param $sbk i32) (param $sbj i32) (param $w i32) (param $k i32) (param $dst i32)
    (local $p i32) (local $c i32)
    (if (i32.eq (local.get $sbj) (i32.const 4))
      (then
        (if (i32.eq (local.get $w) (i32.const 8))
          (then (block $d8 (loop $l8
            (br_if $d8 (i32.eqz (local.get $k)))
            (v128.store (local.get $dst) (v128.load (local.get $b)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $b)))
            (local.set $b (i32.add (local.get $b) (local.get $sbk)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $l8))))
          (else (block $d4 (loop $l4
            (br_if $d4 (i32.eqz (local.get $k)))
            (v128.store (local.get $dst) (v128.load (local.get $b)))
            (local.set $b (i32.add (local.get $b) (local.get $sbk)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $l4))))))
      (else (block $dg (loop $lg
        (br_if $dg (i32.eqz (local.get $k)))
        (local.set $p (local.get $b))
        (local.set $c (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $c) (local.get $w)))
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))) (f32.load (local.get $p)))
          (local.set $p (i32.add (local.get $p) (local.get $sbj)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cl)))
        (local.set $b (i32.add (local.get $b) (local.get $sbk)))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $lg))))))

  (func (export "gemm") (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $sbk i32) (param $sbj i32)
                        (param $c i32) (param $ldc i32) (param $m i32) (param $n i32) (param $k i32)
                        (param $bias i32) (param $flags i32) (param $scratch i32)
    (local $i i32) (local $j i32) (local $w i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $pbias i32) (local $rows i32) (local $bpanel i32)
    (call $pack (local.get $a) (local.get $sai) (local.get $sak) (local.get $m) (local.get $k) (local.get $scratch))
    ;; B's panels go after A's packed rows
    (local.set $bpanel (i32.add (local.get $scratch) (i32.mul (i32.mul (i32.div_u (i32.add (local.get $m) (i32.const 4)) (i32.const 5)) (i32.const 20)) (local.get $k))))
    (block $cols (loop $jl
      (br_if $cols (i32.ge_u (local.get $j) (local.get $n)))
      ;; panel width: 8, then 4, then 1 at the right edge
      (local.set $w (i32.sub (local.get $n) (local.get $j)))
      (local.set $w (select (i32.const 8) (select (i32.const 4) (i32.const 1) (i32.ge_u (local.get $w) (i32.const 4)))
                            (i32.ge_u (local.get $w) (i32.const 8))))
      (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $sbj))))
      (if (i32.ne (local.get $w) (i32.const 1)) (then
        (call $packb (local.get $pb) (local.get $sbk) (local.get $sbj) (local.get $w) (local.get $k) (local.get $bpanel))))
      (local.set $pbias (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $pa (local.get $scratch))
      (local.set $i (i32.const 0))
      (block $rdone (loop $il
        (br_if $rdone (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $rows (i32.sub (local.get $m) (local.get $i)))
        (local.set $pc (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2))))
        (if (i32.eq (local.get $w) (i32.const 8))
          (then (call $q8 (local.get $pa) (local.get $bpanel) (local.get $pc) (local.get $ldc) (local.get $k) (local.get $rows) (local.get $pbias) (local.get $flags)))
          (else (if (i32.eq (local.get $w) (i32.const 4))
            (then (call $q4 (local.get $pa) (local.get $bpanel) (local.get $pc) (local.get $ldc) (local.get $k) (local.get $rows) (local.get $pbias) (local.get $flags)))
            (else (call $p1 (local.get $pa) (local.get $pb) (local.get $sbk) (local.get $pc) (local.get $ldc) (local.get $k) (local.get $rows) (local.get $pbias) (local.get $flags))))))
        (local.set $pa (i32.add (local.get $pa) (i32.mul (local.get $k) (i32.const 20))))
        (local.set $i (i32.add (local.get $i) (i32.const 5)))
        (br $il)))
      (local.set $j (i32.add (local.get $j) (local.get $w)))
      (br $jl)))
  )
)
