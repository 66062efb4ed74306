;; Bernoulli log-likelihood with logits, one pass per row, and its gradient:
;;   value[r]   = Σ_d [ x·l − softplus(l) ]        over the d entries of row r
;;   grad[r, d] = x − σ(l)                          (∂value/∂l)
;; with e = exp(−|l|) computed once per entry:
;;   softplus(l) = max(l, 0) + log1p(e)      σ(l) = 1/(1+e) if l ≥ 0, e/(1+e) otherwise
;; so nothing overflows for any l. exp(t), t = −|l| clamped to [−87, 0] (below
;; that e < 2⁻¹²⁵ and log1p(e) is lost in float32 anyway), is 2ⁿ·exp(r) with
;; n = round(t/ln 2), r = t − n·ln 2 (ln 2 in two parts, Cody–Waite) and
;; |r| ≤ ½ln 2, exp(r) by its Taylor polynomial to r⁷ (truncation < 6·10⁻⁹
;; relative). log1p(e) = 2·atanh(s), s = e/(2+e) ∈ [0, ⅓], by the series
;; 2s·(1 + s²/3 + … + s¹⁴/15) (truncation < 2·10⁻⁸ relative), accurate for tiny e.
;; Entries go 4 at a time, the last d mod 4 of a row one lane at a time.
;; Offsets are bytes into the TF.js wasm backend's memory (imported).
(module
  (import "env" "memory" (memory 1))

  (func $exp (param $t v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $t) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub (local.get $t) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    ;; × 2ⁿ, built from the exponent bits (n ∈ [−126, 0], so 2ⁿ is a normal float)
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; [x·l − softplus(l), x − σ(l)] for four entries.
  (func $entry (param $l v128) (param $x v128) (result v128 v128)
    (local $e v128) (local $s v128) (local $z v128) (local $p v128) (local $q v128)
    (local.set $e (call $exp (f32x4.max (f32x4.neg (f32x4.abs (local.get $l))) (v128.const f32x4 -87 -87 -87 -87))))
    (local.set $s (f32x4.div (local.get $e) (f32x4.add (local.get $e) (v128.const f32x4 2 2 2 2))))
    (local.set $z (f32x4.mul (local.get $s) (local.get $s)))
    (local.set $p (v128.const f32x4 6.66666667e-2 6.66666667e-2 6.66666667e-2 6.66666667e-2))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 7.69230769e-2 7.69230769e-2 7.69230769e-2 7.69230769e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 9.09090909e-2 9.09090909e-2 9.09090909e-2 9.09090909e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.111111111 0.111111111 0.111111111 0.111111111)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.142857143 0.142857143 0.142857143 0.142857143)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.2 0.2 0.2 0.2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 0.333333333 0.333333333 0.333333333 0.333333333)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z)) (v128.const f32x4 1 1 1 1)))
    ;; p ← softplus(l) = max(l, 0) + 2s·p
    (local.set $p (f32x4.add (f32x4.max (local.get $l) (v128.const f32x4 0 0 0 0))
                             (f32x4.mul (f32x4.add (local.get $s) (local.get $s)) (local.get $p))))
    (local.set $q (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1))))
    (f32x4.sub (f32x4.mul (local.get $x) (local.get $l)) (local.get $p))
    (f32x4.sub (local.get $x)
      (v128.bitselect (local.get $q) (f32x4.mul (local.get $e) (local.get $q))
                      (f32x4.ge (local.get $l) (v128.const f32x4 0 0 0 0)))))

  (func (export "bernoulli") (param $l i32) (param $x i32) (param $rows i32) (param $d i32)
                             (param $value i32) (param $grad i32)
    (local $r i32) (local $j i32) (local $end4 i32) (local $acc v128) (local $t v128) (local $g v128) (local $sum f32)
    (local.set $end4 (i32.and (local.get $d) (i32.const -4)))
    (block $rdone (loop $rl
      (br_if $rdone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $vdone (loop $vl
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $end4)))
        (call $entry (v128.load (local.get $l)) (v128.load (local.get $x)))
        (local.set $g)
        (local.set $t)
        (local.set $acc (f32x4.add (local.get $acc) (local.get $t)))
        (v128.store (local.get $grad) (local.get $g))
        (local.set $l (i32.add (local.get $l) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $grad (i32.add (local.get $grad) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vl)))
      (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                               (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (block $tdone (loop $tl
        (br_if $tdone (i32.ge_u (local.get $j) (local.get $d)))
        (call $entry (v128.load32_splat (local.get $l)) (v128.load32_splat (local.get $x)))
        (local.set $g)
        (local.set $t)
        (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $t))))
        (f32.store (local.get $grad) (f32x4.extract_lane 0 (local.get $g)))
        (local.set $l (i32.add (local.get $l) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $grad (i32.add (local.get $grad) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tl)))
      (f32.store (local.get $value) (local.get $sum))
      (local.set $value (i32.add (local.get $value) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )
)
