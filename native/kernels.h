// Shared declarations between the N-API module (latentlab.cc) and the
// per-instruction-set kernel files (kernels_*.cc). Plain C types only: the
// kernel files are compiled with different -m flags, so nothing inline or
// templated may cross between them (the linker would keep one copy, possibly
// one built for a wider instruction set than the machine has).
#pragma once
#include <stddef.h>
#include <stdint.h>

extern "C" {

// C[i, j] = act(Σ_p A[i, p]·B[p, j] + bias[j]) for i in [i0, i1), j in [j0, j1).
// Strides are in elements, so transposed operands are read in place.
struct LLGemm {
  const float* a; ptrdiff_t sai, sak;
  const float* b; ptrdiff_t sbk, sbj;
  float* c; ptrdiff_t ldc;
  int m, n, k;
  const float* bias;  // may be null
  int relu;           // 0 or 1
};

struct LLKernels {
  const char* name;
  int mr, nr;  // micro-tile: a thread's share of C is cut in multiples of these
  // Computes rows [i0, i1) × columns [j0, j1) of C. `work` holds at least
  // workFloats(k) floats, 64-byte aligned.
  void (*gemm)(const LLGemm* g, int i0, int i1, int j0, int j1, float* work);
  size_t (*workFloats)(void);
  // Adam on [lo, hi): w' = w − α·m'/(√v' + ε), m' = c1·m + (1−c1)·g, v' = c2·v + (1−c2)·g².
  void (*adam)(const float* w, const float* g, const float* m, const float* v, float* wo, float* mo, float* vo,
               size_t lo, size_t hi, float c1, float c2, float alpha, float eps);
  // out[j] = Σ_r x[r, j] for j in [j0, j1).
  void (*colsum)(const float* x, float* out, size_t rows, size_t cols, size_t j0, size_t j1);
  // Rows [r0, r1) of logits [rows, d], x's row r mod xrows (x broadcast over
  // leading axes): value[r] = Σ_d x·l − softplus(l), grad[r, d] = x − σ(l).
  void (*bernoulli)(const float* l, const float* x, size_t d, size_t xrows, float* value, float* grad, size_t r0, size_t r1);
  // The value alone, x broadcast over leading axes: rows [r0, r1) of logits
  // [rows, d] read x's row r mod xrows; value[r] = Σ_d x·l − softplus(l).
  void (*bernoulliValue)(const float* l, const float* x, size_t d, size_t xrows, float* value, size_t r0, size_t r1);
  // SGD with momentum on [lo, hi): v' = g on the first step, else μ·v + g;
  // w' = w − lr·(nesterov ? g + μ·v' : v').
  void (*sgd)(const float* w, const float* g, const float* v, float* wo, float* vo, size_t lo, size_t hi, float momentum,
              float lr, int nesterov, int first);
  // The core's arithmetic limit: `iters` rounds of independent fused
  // multiply-adds on the widest vectors, returning a checksum (keeps them live).
  float (*fmaProbe)(long iters);
  // out = dy where y > 0, else 0 (the ReLU's gradient given its output), on [lo, hi).
  void (*reluGrad)(const float* dy, const float* y, float* out, size_t lo, size_t hi);
  // The diagonal Gaussian's kernels over rows [r0, r1) of d values, μ = mu and
  // log σ² = lv read at row r mod prows (a batch's parameters broadcast over
  // leading sample axes):
  // z = μ + exp(½·lv)·ε (the reparameterised sample);
  void (*gaussSample)(const float* mu, const float* lv, const float* eps, size_t d, size_t prows, float* z, size_t r0, size_t r1);
  // its gradient to lv, dlv = ½·dz·(z − μ) (= ½·dz·σ·ε; the one to μ is dz itself);
  void (*gaussSampleGrad)(const float* dz, const float* z, const float* mu, size_t d, size_t prows, float* dlv, size_t r0, size_t r1);
  // value[r] = KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_d μ² + σ² − 1 − lv (prows = rows);
  void (*gaussKl)(const float* mu, const float* lv, size_t d, float* value, size_t r0, size_t r1);
  // its gradient scaled by dkl[r]: dmu = dkl·μ, dlv = ½·dkl·(σ² − 1);
  void (*gaussKlGrad)(const float* dkl, const float* mu, const float* lv, size_t d, float* dmu, float* dlv, size_t r0, size_t r1);
  // value[r] = log N(x_r; μ, σ²) = −½ Σ_d log 2π + lv + (x − μ)²/σ², and with
  // dmu non-null the derivatives of each term, in x's shape: dmu = (x − μ)/σ²,
  // dlv = ½·((x − μ)²/σ² − 1) (the one to x is −dmu).
  void (*gaussLogProb)(const float* x, const float* mu, const float* lv, size_t d, size_t prows, float* value, float* dmu,
                       float* dlv, size_t r0, size_t r1);
  // out = tanh(x) on [lo, hi) (out may be x), within 3e-7 relative; ±0, ±1 at
  // ±∞ and NaN as the C library's tanh.
  void (*tanh)(const float* x, float* out, size_t lo, size_t hi);
  // out = dy·(1 − y²) on [lo, hi) (tanh's gradient given its output), TF.js's arithmetic.
  void (*tanhGrad)(const float* dy, const float* y, float* out, size_t lo, size_t hi);
  // out = dy where min ≤ x ≤ max, else 0 (NaN x: 0), on [lo, hi): clipByValue's gradient.
  void (*clipGrad)(const float* dy, const float* x, float min, float max, float* out, size_t lo, size_t hi);
};

extern const LLKernels ll_kernels_generic;
#if defined(__x86_64__) || defined(_M_X64)
extern const LLKernels ll_kernels_avx2;
extern const LLKernels ll_kernels_avx512;
#endif
}
