// The kernels, written once and compiled per instruction set: kernels_<isa>.cc
// defines LL_NS (a namespace of its own), LL_V (floats per vector register),
// LL_MR (rows of the micro-tile) and LL_NAME, then includes this file, and the
// build compiles each with its own -m flags. GCC's vector extensions map
// `vf` arithmetic onto AVX-512, AVX2 or SSE/NEON registers as the flags allow.
//
// The product follows the usual packed design: for each block of KC values of
// the inner dimension, a panel of B (KC × NC) and a block of A (MC × KC) are
// copied into contiguous, zero-padded micro-panels, and a register-blocked
// micro-kernel computes MR × NR tiles of C (NR = 2 vectors) from them. Only
// functions with internal linkage and no library templates live here (see
// kernels.h).
#include <string.h>
#include "kernels.h"

namespace LL_NS {
namespace {

typedef float vf __attribute__((vector_size(LL_V * 4)));
typedef float vfu __attribute__((vector_size(LL_V * 4), aligned(4), may_alias));
typedef int vi __attribute__((vector_size(LL_V * 4)));

const int MR = LL_MR;
const int NR = 2 * LL_V;
const int KC = 256;
const int MC = LL_MR * 10;
const int NC = NR * 16;

inline int imin(int a, int b) { return a < b ? a : b; }

size_t workFloats() { return (size_t)KC * (MC + NC) + 64; }

// ap[s][p][i] = A(i0 + s·MR + i, p0 + p), rows past `rows` zero.
void packA(const LLGemm* g, int i0, int rows, int p0, int kc, float* __restrict ap) {
  for (int s = 0; s < rows; s += MR) {
    const int r = imin(MR, rows - s);
    float* dst = ap + (size_t)s * kc;
    const float* src = g->a + (ptrdiff_t)(i0 + s) * g->sai + (ptrdiff_t)p0 * g->sak;
    if (g->sai == 1 && r == MR) {
      for (int p = 0; p < kc; p++) memcpy(dst + p * MR, src + (ptrdiff_t)p * g->sak, MR * sizeof(float));
    } else {
      for (int i = 0; i < r; i++) {
        const float* row = src + (ptrdiff_t)i * g->sai;
        for (int p = 0; p < kc; p++) dst[p * MR + i] = row[(ptrdiff_t)p * g->sak];
      }
      for (int i = r; i < MR; i++)
        for (int p = 0; p < kc; p++) dst[p * MR + i] = 0.f;
    }
  }
}

// bp[t][p][j] = B(p0 + p, j0 + t·NR + j), columns past `cols` zero.
void packB(const LLGemm* g, int p0, int kc, int j0, int cols, float* __restrict bp) {
  for (int t = 0; t < cols; t += NR) {
    const int c = imin(NR, cols - t);
    float* dst = bp + (size_t)t * kc;
    const float* src = g->b + (ptrdiff_t)p0 * g->sbk + (ptrdiff_t)(j0 + t) * g->sbj;
    if (g->sbj == 1 && c == NR) {
      for (int p = 0; p < kc; p++) memcpy(dst + p * NR, src + (ptrdiff_t)p * g->sbk, NR * sizeof(float));
    } else {
      for (int j = 0; j < c; j++) {
        const float* col = src + (ptrdiff_t)j * g->sbj;
        for (int p = 0; p < kc; p++) dst[p * NR + j] = col[(ptrdiff_t)p * g->sbk];
      }
      for (int j = c; j < NR; j++)
        for (int p = 0; p < kc; p++) dst[p * NR + j] = 0.f;
    }
  }
}

inline vf relu(vf x) { return x < (vf){} ? (vf){} : x; }  // keeps NaN

// acc = Σ_p ap[p][:R]ᵀ·bp[p][:NV·V] over kc, then the C tile (rows × cols
// valid) is set (first block, plus bias) or added to, and the ReLU applied on
// the last. R ≤ MR rows and NV ≤ 2 vectors of the packed panels are read, so
// an edge tile narrower or shorter than MR × NR costs what it holds, not a
// full tile (a 784- or 400-wide C ends in a half tile, 128 rows in 8 of 12).
// Every element of C is summed in the same order whichever variant runs.
template <int R, int NV>
void microT(int kc, const float* __restrict ap, const float* __restrict bp, float* c, ptrdiff_t ldc, int rows, int cols,
            const float* bias, bool first, bool last, bool relu_) {
  vf acc[R][NV];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++)
    for (int v = 0; v < NV; v++) acc[i][v] = (vf){};
  for (int p = 0; p < kc; p++) {
    vf b[NV];
    for (int v = 0; v < NV; v++) b[v] = *(const vf*)(bp + p * NR + v * LL_V);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      // Broadcast straight from memory: `s − 0` is `s` exactly (−0 included),
      // so the compiler folds it away, where `0 + s` is a real add for s = −0
      // and costs a scalar add and a register broadcast per element of A.
      const vf a = ap[p * MR + i] - (vf){};
      for (int v = 0; v < NV; v++) acc[i][v] += a * b[v];
    }
  }
  if (rows == R && cols == NV * LL_V) {
    vf bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = first && bias ? *(const vfu*)(bias + v * LL_V) : (vf){};
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      for (int v = 0; v < NV; v++) {
        vfu* out = (vfu*)(c + i * ldc + v * LL_V);
        vf x = acc[i][v];
        if (first) x += bv[v];
        else x += *out;
        if (last && relu_) x = relu(x);
        *out = x;
      }
    }
    return;
  }
  float tile[R][NV * LL_V] __attribute__((aligned(64)));
  for (int i = 0; i < R; i++)
    for (int v = 0; v < NV; v++) *(vf*)&tile[i][v * LL_V] = acc[i][v];
  for (int i = 0; i < rows; i++) {
    float* row = c + i * ldc;
    for (int j = 0; j < cols; j++) {
      float v = tile[i][j] + (first ? (bias ? bias[j] : 0.f) : row[j]);
      if (last && relu_ && v < 0.f) v = 0.f;
      row[j] = v;
    }
  }
}

template <int R>
inline void microRows(int kc, const float* ap, const float* bp, float* c, ptrdiff_t ldc, int rows, int cols, const float* bias,
                      bool first, bool last, bool relu_) {
  if (cols <= LL_V) microT<R, 1>(kc, ap, bp, c, ldc, rows, cols, bias, first, last, relu_);
  else microT<R, 2>(kc, ap, bp, c, ldc, rows, cols, bias, first, last, relu_);
}

// The MR × NR tile at (ap, bp), or the smallest variant that covers rows × cols.
void micro(int kc, const float* ap, const float* bp, float* c, ptrdiff_t ldc, int rows, int cols, const float* bias, bool first,
           bool last, bool relu_) {
  if (MR > 8 && rows <= 4) microRows<4>(kc, ap, bp, c, ldc, rows, cols, bias, first, last, relu_);
  else if (MR > 8 && rows <= 8) microRows<(MR > 8 ? 8 : MR)>(kc, ap, bp, c, ldc, rows, cols, bias, first, last, relu_);
  else if (MR > 4 && rows <= 4) microRows<(MR > 4 ? 4 : MR)>(kc, ap, bp, c, ldc, rows, cols, bias, first, last, relu_);
  else microRows<MR>(kc, ap, bp, c, ldc, rows, cols, bias, first, last, relu_);
}

void gemm(const LLGemm* g, int i0, int i1, int j0, int j1, float* work) {
  if (i1 <= i0 || j1 <= j0) return;
  if (g->k == 0) {
    for (int i = i0; i < i1; i++)
      for (int j = j0; j < j1; j++) {
        float v = g->bias ? g->bias[j] : 0.f;
        if (g->relu && v < 0.f) v = 0.f;
        g->c[(ptrdiff_t)i * g->ldc + j] = v;
      }
    return;
  }
  float* bp = work;
  float* ap = work + (size_t)KC * NC;
  for (int jc = j0; jc < j1; jc += NC) {
    const int nc = imin(NC, j1 - jc);
    // The inner dimension in equal blocks of at most KC (784 = 3 × 262, not 256 + 256 + 256 + 16).
    const int blocks = (g->k + KC - 1) / KC, step = (g->k + blocks - 1) / blocks;
    for (int pc = 0; pc < g->k; pc += step) {
      const int kc = imin(step, g->k - pc);
      const bool first = pc == 0, last = pc + kc >= g->k;
      packB(g, pc, kc, jc, nc, bp);
      for (int ic = i0; ic < i1; ic += MC) {
        const int mc = imin(MC, i1 - ic);
        packA(g, ic, mc, pc, kc, ap);
        for (int jr = 0; jr < nc; jr += NR)
          for (int ir = 0; ir < mc; ir += MR)
            micro(kc, ap + (size_t)ir * kc, bp + (size_t)jr * kc, g->c + (ptrdiff_t)(ic + ir) * g->ldc + jc + jr, g->ldc,
                  imin(MR, mc - ir), imin(NR, nc - jr), g->bias ? g->bias + jc + jr : 0, first, last, g->relu != 0);
      }
    }
  }
}

// Each output may be a fresh buffer or its own input (wo = w, mo = m, vo = v:
// the update in place). Element i is read only to compute element i, so no
// iteration depends on another's writes (`ivdep`: vectorized without the
// run-time overlap checks that would send an in-place call to scalar code).
void adam(const float* w, const float* g, const float* m, const float* v, float* wo, float* mo, float* vo, size_t lo,
          size_t hi, float c1, float c2, float alpha, float eps) {
#pragma GCC ivdep
  for (size_t i = lo; i < hi; i++) {
    const float gi = g[i];
    const float mi = m[i] + c1 * (gi - m[i]);
    const float vi_ = v[i] + c2 * (gi * gi - v[i]);
    const float wi = w[i] - alpha * mi / (__builtin_sqrtf(vi_) + eps);
    mo[i] = mi, vo[i] = vi_, wo[i] = wi;
  }
}

// As adam: wo may be w and vo v.
void sgd(const float* w, const float* g, const float* v, float* wo, float* vo, size_t lo, size_t hi, float momentum, float lr,
         int nesterov, int first) {
#pragma GCC ivdep
  for (size_t i = lo; i < hi; i++) {
    const float gi = g[i];
    const float vi_ = first ? gi : v[i] * momentum + gi;
    const float d = nesterov ? gi + vi_ * momentum : vi_;
    vo[i] = vi_;
    wo[i] = w[i] - d * lr;
  }
}

void colsum(const float* x, float* out, size_t rows, size_t cols, size_t j0, size_t j1) {
  for (size_t j = j0; j < j1; j++) out[j] = 0.f;
  for (size_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (size_t j = j0; j < j1; j++) out[j] += row[j];
  }
}

// exp(t) = 2ⁿ·exp(r) for n = round(t/ln 2) in [−126, 127] (given), r = t − n·ln 2
// (|r| ≤ ½ln 2), exp(r) by its Taylor polynomial to r⁷ (relative error
// < 10⁻⁸); 2ⁿ from the bits.
inline vf expReduced(vf t, vi n) {
  const vf nf = __builtin_convertvector(n, vf);
  const vf r = (t - nf * 0.693145751953125f) - nf * 1.428606765330187e-06f;
  vf p = (vf){} + 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const vi bits = (n + 127) << 23;
  vf scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// exp(t) for t ∈ [−87, 0].
inline vf vexp(vf t) {
  // truncation of t/ln2 − ½, t ≤ 0: rounds to nearest
  return expReduced(t, __builtin_convertvector(t * 1.44269504088896341f - 0.5f, vi));
}

// log1p(e) for e ∈ [0, 1]: 2·atanh(s), s = e/(2+e) ∈ [0, ⅓], odd series to s¹⁵.
inline vf vlog1p(vf e) {
  const vf s = e / (e + 2.f);
  const vf s2 = s * s;
  vf p = (vf){} + 1.f / 15.f;
  p = p * s2 + 1.f / 13.f;
  p = p * s2 + 1.f / 11.f;
  p = p * s2 + 1.f / 9.f;
  p = p * s2 + 1.f / 7.f;
  p = p * s2 + 1.f / 5.f;
  p = p * s2 + 1.f / 3.f;
  p = p * s2 + 1.f;
  return 2.f * s * p;
}

// softplus(l) = max(l, 0) + log1p(e), σ(l) = 1/(1+e) for l ≥ 0 and e/(1+e)
// otherwise, e = exp(−|l|): nothing overflows for any l; NaN stays NaN.
// One vector of terms x·l − softplus(l), and σ(l) in *sig when asked for.
inline vf bernoulliTerms(vf lv, vf xv, vf* sig) {
  const vf zero = (vf){}, one = zero + 1.f;
  vf t = lv < zero ? lv : -lv;
  t = t < zero - 87.f ? zero - 87.f : t;
  const vf e = vexp(t);
  const vf sp = (lv > zero ? lv : zero) + vlog1p(e);
  // NaN logits: every comparison above is false; make the results NaN.
  const vf nanfix = lv == lv ? zero : lv;
  if (sig) {
    const vf inv = one / (one + e);
    *sig = (lv >= zero ? inv : e * inv) + nanfix;
  }
  return xv * lv - sp + nanfix;
}

// One row: returns Σ_d x·l − softplus(l); with `grad`, writes x − σ(l) there.
// The last d mod LL_V values go through one zero-padded vector.
inline float bernoulliRow(const float* lr, const float* xr, size_t d, float* gr) {
  vf sumv = (vf){}, sig;
  size_t j = 0;
  for (; j + LL_V <= d; j += LL_V) {
    const vf xv = *(const vfu*)(xr + j);
    sumv += bernoulliTerms(*(const vfu*)(lr + j), xv, gr ? &sig : nullptr);
    if (gr) *(vfu*)(gr + j) = xv - sig;
  }
  float sum = 0.f;
  for (int q = 0; q < LL_V; q++) sum += sumv[q];
  if (j < d) {
    vf lv = (vf){}, xv = (vf){};
    for (size_t q = 0; j + q < d; q++) lv[q] = lr[j + q], xv[q] = xr[j + q];
    const vf terms = bernoulliTerms(lv, xv, gr ? &sig : nullptr);
    for (size_t q = 0; j + q < d; q++) {
      sum += terms[q];
      if (gr) gr[j + q] = xv[q] - sig[q];
    }
  }
  return sum;
}

void bernoulli(const float* l, const float* x, size_t d, size_t xrows, float* value, float* grad, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) value[r] = bernoulliRow(l + r * d, x + (r % xrows) * d, d, grad + r * d);
}

void bernoulliValue(const float* l, const float* x, size_t d, size_t xrows, float* value, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) value[r] = bernoulliRow(l + r * d, x + (r % xrows) * d, d, nullptr);
}

// exp(t) for any t: t clamped to [−87, 88.3] (n = round(t/ln 2) in
// [−126, 127], so 2ⁿ is a normal float), then as vexp; +∞ above 88.3
// (within 1.5 % of float32's largest finite exp), NaN stays NaN.
inline vf vexpAny(vf t) {
  const vf zero = (vf){};
  vf tc = t > zero + 88.3f ? zero + 88.3f : t;
  tc = tc < zero - 87.f ? zero - 87.f : tc;
  tc = t == t ? tc : zero;
  const vf fn = tc * 1.44269504088896341f + 0.5f;
  vi n = __builtin_convertvector(fn, vi);  // truncation toward 0
  n += (vi)(__builtin_convertvector(n, vf) > fn);  // −1 where that rounded up: floor(t/ln 2 + ½)
  vf out = expReduced(tc, n);
  out = t > zero + 88.3f ? zero + __builtin_inff() : out;
  return t == t ? out : t;
}

// Up to LL_V floats from p (n of them when n < LL_V, the rest zero), and back.
inline vf loadN(const float* p, size_t n) {
  if (n >= (size_t)LL_V) return *(const vfu*)p;
  vf v = (vf){};
  for (size_t q = 0; q < n; q++) v[q] = p[q];
  return v;
}
inline void storeN(float* p, size_t n, vf v) {
  if (n >= (size_t)LL_V) {
    *(vfu*)p = v;
    return;
  }
  for (size_t q = 0; q < n; q++) p[q] = v[q];
}
// Σ of the first n lanes (all when n ≥ LL_V).
inline float sumN(vf v, size_t n) {
  float s = 0.f;
  for (size_t q = 0; q < n && q < (size_t)LL_V; q++) s += v[q];
  return s;
}

void gaussSample(const float* mu, const float* lv, const float* eps, size_t d, size_t prows, float* z, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    const size_t p = (r % prows) * d, o = r * d;
    for (size_t j = 0; j < d; j += LL_V) {
      const size_t n = d - j;
      storeN(z + o + j, n, loadN(mu + p + j, n) + vexpAny(0.5f * loadN(lv + p + j, n)) * loadN(eps + o + j, n));
    }
  }
}

void gaussSampleGrad(const float* dz, const float* z, const float* mu, size_t d, size_t prows, float* dlv, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    const size_t p = (r % prows) * d, o = r * d;
    for (size_t j = 0; j < d; j += LL_V) {
      const size_t n = d - j;
      storeN(dlv + o + j, n, 0.5f * loadN(dz + o + j, n) * (loadN(z + o + j, n) - loadN(mu + p + j, n)));
    }
  }
}

void gaussKl(const float* mu, const float* lv, size_t d, float* value, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    float sum = 0.f;
    vf acc = (vf){};
    for (size_t j = 0; j < d; j += LL_V) {
      const size_t n = d - j;
      const vf m = loadN(mu + r * d + j, n), l = loadN(lv + r * d + j, n);
      const vf t = m * m + vexpAny(l) - 1.f - l;
      if (n >= (size_t)LL_V) acc += t;
      else sum += sumN(t, n);
    }
    value[r] = 0.5f * (sumN(acc, LL_V) + sum);
  }
}

void gaussKlGrad(const float* dkl, const float* mu, const float* lv, size_t d, float* dmu, float* dlv, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    const float g = dkl[r];
    for (size_t j = 0; j < d; j += LL_V) {
      const size_t n = d - j, o = r * d + j;
      storeN(dmu + o, n, g * loadN(mu + o, n));
      storeN(dlv + o, n, (0.5f * g) * (vexpAny(loadN(lv + o, n)) - 1.f));
    }
  }
}

void gaussLogProb(const float* x, const float* mu, const float* lv, size_t d, size_t prows, float* value, float* dmu,
                  float* dlv, size_t r0, size_t r1) {
  const float log2pi = 1.8378770664093453f;
  for (size_t r = r0; r < r1; r++) {
    const size_t p = (r % prows) * d, o = r * d;
    float sum = 0.f;
    vf acc = (vf){};
    for (size_t j = 0; j < d; j += LL_V) {
      const size_t n = d - j;
      const vf l = loadN(lv + p + j, n), diff = loadN(x + o + j, n) - loadN(mu + p + j, n);
      const vf prec = vexpAny(-l), scaled = diff * prec, q = diff * scaled;
      const vf t = log2pi + l + q;
      if (n >= (size_t)LL_V) acc += t;
      else sum += sumN(t, n);
      if (dmu) {
        storeN(dmu + o + j, n, scaled);
        storeN(dlv + o + j, n, 0.5f * (q - 1.f));
      }
    }
    value[r] = -0.5f * (sumN(acc, LL_V) + sum);
  }
}

// 2·MR independent accumulators (the micro-kernel's own register budget), one FMA each per round.
float fmaProbe(long iters) {
  vf acc[MR][2];
  for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (vf){} + 0.001f * i;
  const vf a = (vf){} + 0.9999f, b = (vf){} + 0.0001f;
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      acc[i][0] = acc[i][0] * a + b;
      acc[i][1] = acc[i][1] * a + b;
    }
  }
  float sum = 0.f;
  for (int i = 0; i < MR; i++)
    for (int q = 0; q < LL_V; q++) sum += acc[i][0][q] + acc[i][1][q];
  return sum;
}

void reluGrad(const float* __restrict dy, const float* __restrict y, float* __restrict out, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) {
    const float yi = y[i];
    const float step = yi > 0.f ? 1.f : (yi == yi ? 0.f : yi);
    out[i] = dy[i] * step;
  }
}

// tanh(x): for |x| < 0.55 its odd Taylor series to x¹⁵ (the coefficients are
// the series' own, 2²ⁿ(2²ⁿ − 1)B₂ₙ/(2n)!; relative error ≤ 1.2e-7 in float32);
// above, (1 − e)/(1 + e) with e = exp(−2|x|) ∈ (0, 0.34), the sign put back
// (≤ 3e-7 with vexp's error). −2|x| is clamped at −87 (tanh is 1 in float32
// long before), so ±∞ give ±1; −0 stays −0 and NaN stays NaN.
inline vf vtanh(vf x) {
  const vf zero = (vf){};
  const vf ax = x < zero ? -x : x;
  const vf x2 = x * x;
  vf p = zero + (-929569.f / 638512875.f);
  p = p * x2 + 21844.f / 6081075.f;
  p = p * x2 + (-1382.f / 155925.f);
  p = p * x2 + 62.f / 2835.f;
  p = p * x2 + (-17.f / 315.f);
  p = p * x2 + 2.f / 15.f;
  p = p * x2 + (-1.f / 3.f);
  p = p * x2 + 1.f;
  const vf small = x * p;
  vf t = -2.f * ax;
  t = t < zero - 87.f ? zero - 87.f : t;
  const vf e = vexp(t == t ? t : zero);
  vf big = (1.f - e) / (1.f + e);
  big = x < zero ? -big : big;
  const vf out = ax < zero + 0.55f ? small : big;
  return x == x ? out : x;
}

void tanhKernel(const float* x, float* out, size_t lo, size_t hi) {
  size_t i = lo;
  for (; i + LL_V <= hi; i += LL_V) *(vfu*)(out + i) = vtanh(*(const vfu*)(x + i));
  if (i < hi) storeN(out + i, hi - i, vtanh(loadN(x + i, hi - i)));
}

// Not contracted into a fused multiply-add: 1 − y² rounded as TF.js's square and subtraction round it.
__attribute__((optimize("fp-contract=off"))) void tanhGrad(const float* __restrict dy, const float* __restrict y, float* __restrict out, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) out[i] = (1.f - y[i] * y[i]) * dy[i];
}

void clipGrad(const float* __restrict dy, const float* __restrict x, float min, float max, float* __restrict out, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) out[i] = x[i] >= min && x[i] <= max ? dy[i] : 0.f;
}

}  // namespace
}  // namespace LL_NS

extern "C" const LLKernels LL_NAME = {
    LL_NAME_STR, LL_NS::MR, LL_NS::NR, LL_NS::gemm, LL_NS::workFloats, LL_NS::adam, LL_NS::colsum, LL_NS::bernoulli, LL_NS::bernoulliValue, LL_NS::sgd, LL_NS::fmaProbe, LL_NS::reluGrad,
    LL_NS::gaussSample, LL_NS::gaussSampleGrad, LL_NS::gaussKl, LL_NS::gaussKlGrad, LL_NS::gaussLogProb, LL_NS::tanhKernel,
    LL_NS::tanhGrad, LL_NS::clipGrad,
};
