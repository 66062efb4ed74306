;; Column sums of a row-major [rows, cols] float32 matrix: out[j] = Σ_i x[i·cols + j].
;; The reduction over the leading axis that every bias gradient needs; TF.js's
;; wasm Sum transposes first when the reduced axis is not the innermost one.
;; Rows are added in order, 4 columns at a time; offsets are bytes into the
;; TF.js wasm backend's memory (imported).
(module
  (import "env" "memory" (memory 1))
  (func (export "colsum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $end4 i32) (local $row i32) (local $o i32)
    (local.set $end4 (i32.and (local.get $cols) (i32.const -4)))
    ;; out = 0
    (local.set $j (i32.const 0))
    (block $zdone (loop $z
      (br_if $zdone (i32.ge_u (local.get $j) (local.get $cols)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $z)))
    (block $rdone (loop $r
      (br_if $rdone (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $cdone (loop $c
        (br_if $cdone (i32.ge_u (local.get $j) (local.get $end4)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f32x4.add (v128.load (i32.add (local.get $out) (local.get $o)))
                     (v128.load (i32.add (local.get $row) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $c)))
      (block $tdone (loop $t
        (br_if $tdone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (local.get $o))
          (f32.add (f32.load (i32.add (local.get $out) (local.get $o)))
                   (f32.load (i32.add (local.get $row) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $r)))
  )
)
