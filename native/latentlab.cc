// LatentLab's native engine for Node: N-API entry points over the kernels of
// kernels_<isa>.cc, chosen once at load for the CPU found (AVX-512, AVX2+FMA,
// or the portable build), run on a persistent pool of threads.
//
// Every entry point works on tensors where TF.js's wasm backend keeps them:
// the first argument is the backend's memory (an ArrayBuffer), the others are
// byte offsets into it and sizes, so nothing is copied. Every range a kernel
// will touch is checked against the buffer first: a bad offset is a thrown
// RangeError, never a write outside the memory.
#include <node_api.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <math.h>
#include <sched.h>
#endif

#include "kernels.h"

namespace {

const LLKernels* pickKernels() {
  const char* force = std::getenv("LATENTLAB_NATIVE_ISA");
  std::string f = force ? force : "";
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (f == "generic" || f == "sse2") return &ll_kernels_generic;
  if (f == "avx2" && avx2) return &ll_kernels_avx2;
  if (avx512 && f != "avx2") return &ll_kernels_avx512;
  if (avx2) return &ll_kernels_avx2;
#endif
  return &ll_kernels_generic;
}

int cpusAvailable() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A fixed set of worker threads plus the calling thread. `run(fn, parts)`
// hands out part indices 0..parts-1 through an atomic counter and returns when
// all are done. Idle workers spin briefly (a training step calls the pool
// every few hundred microseconds) and then sleep on a condition variable.
class Pool {
 public:
  using Fn = void (*)(void* ctx, int part, float* work);

  explicit Pool(const LLKernels* k) : kernels_(k) {}
  ~Pool() {
    resize(1);  // joins the workers
    for (float* w : work_) std::free(w);
  }

  int threads() const { return static_cast<int>(work_.size()); }

  void resize(int n) {
    if (n < 1) n = 1;
    if (!workers_.empty()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
        generation_.fetch_add(1, std::memory_order_release);
      }
      cv_.notify_all();
      for (auto& t : workers_) t.join();
      workers_.clear();
      stop_ = false;
    }
    for (float* w : work_) std::free(w);
    work_.clear();
    const size_t bytes = ((kernels_->workFloats() * sizeof(float) + 63) / 64) * 64;
    for (int i = 0; i < n; i++) work_.push_back(static_cast<float*>(std::aligned_alloc(64, bytes)));
    // Each worker starts from the generation at its creation, not at whenever
    // its thread first runs: a stop (or job) issued in between is then seen.
    const uint64_t start = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < n; i++) workers_.emplace_back([this, i, start] { workerLoop(i, start); });
  }

  void run(Fn fn, void* ctx, int parts) {
    if (parts <= 1 || workers_.empty()) {
      for (int p = 0; p < parts; p++) fn(ctx, p, work_[0]);
      return;
    }
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    // The job's parts are handed out through one word: the job's number, its
    // part count and the next part. A thread still leaving an earlier job's
    // drain() cannot take a part of this one by mistake (its compare-exchange
    // sees another job number), and one that takes a part of this job sees
    // fn_, ctx_ and the reset count (release here, acquire there).
    job_ += 1;
    ticket_.store((job_ << 24) | (static_cast<uint64_t>(parts) << 12), std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    drain(work_[0]);
    while (done_.load(std::memory_order_acquire) < parts) cpuRelax();
  }

 private:
  static constexpr uint64_t kPartMask = (1u << 12) - 1;

  void drain(float* work) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      const uint64_t next = t & kPartMask, parts = (t >> 12) & kPartMask;
      if (next >= parts) return;
      if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      fn_(ctx_, static_cast<int>(next), work);
      done_.fetch_add(1, std::memory_order_acq_rel);
      t = ticket_.load(std::memory_order_acquire);
    }
  }

  void workerLoop(int index, uint64_t seen) {
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(spinMicros());
      int spins = 0;
      while (generation_.load(std::memory_order_acquire) == seen) {
        cpuRelax();
        if (++spins % 256 == 0 && std::chrono::steady_clock::now() > until) {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
          break;
        }
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_) return;
      drain(work_[index]);
    }
  }

  static int spinMicros() {
    static const int us = [] {
      const char* s = std::getenv("LATENTLAB_SPIN_US");
      return s ? std::atoi(s) : 200;
    }();
    return us;
  }

  const LLKernels* kernels_;
  std::vector<std::thread> workers_;
  std::vector<float*> work_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> ticket_{0};  // job number << 24 | parts << 12 | next part
  std::atomic<int> done_{0};
  uint64_t job_ = 0;  // the calling thread's count of jobs
  Fn fn_ = nullptr;
  void* ctx_ = nullptr;
  bool stop_ = false;
};

const LLKernels* K = nullptr;

// ---------------------------------------------------------------- arguments

struct Args {
  napi_env env;
  napi_value argv[16];
  size_t argc = 16;
  char* base = nullptr;
  size_t length = 0;
  bool ok = true;
  Pool* pool = nullptr;
  const char* name;

  Args(napi_env e, napi_callback_info info, size_t expected, const char* n) : env(e), name(n) {
    void* data = nullptr;
    napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
    pool = static_cast<Pool*>(data);
    if (argc != expected) { fail(name, "wrong number of arguments"); return; }
    void* bytes = nullptr;
    bool isBuffer = false;
    napi_is_arraybuffer(env, argv[0], &isBuffer);
    if (!isBuffer || napi_get_arraybuffer_info(env, argv[0], &bytes, &length) != napi_ok) { fail(name, "the first argument must be an ArrayBuffer"); return; }
    base = static_cast<char*>(bytes);
  }
  void fail(const char* name, const char* what) {
    if (!ok) return;
    ok = false;
    std::string msg = std::string("latentlab native ") + name + ": " + what;
    napi_throw_range_error(env, nullptr, msg.c_str());
  }
  double num(size_t i) {
    double v = 0;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok) fail(name, "an argument is not a number");
    return v;
  }
  int64_t integer(size_t i) {
    int64_t v = 0;
    if (napi_get_value_int64(env, argv[i], &v) != napi_ok) fail(name, "an argument is not a number");
    return v;
  }
  // A float32 array at byte offset `off` whose farthest element is `span`
  // elements past its first (span < 0: nothing is touched).
  float* at(int64_t off, int64_t span, const char* name) {
    if (off < 0 || off % 4 != 0 || (span >= 0 && static_cast<uint64_t>(off) + 4 * static_cast<uint64_t>(span + 1) > length)) {
      fail(name, "an offset or size is outside the buffer");
      return nullptr;
    }
    return reinterpret_cast<float*>(base + off);
  }
};

// -------------------------------------------------------------------- GEMM

struct GemmJob {
  LLGemm g;
  bool splitRows;
  int tiles, parts;
};

void gemmPart(void* ctx, int part, float* work) {
  const GemmJob* job = static_cast<const GemmJob*>(ctx);
  const int t0 = static_cast<int>(static_cast<int64_t>(job->tiles) * part / job->parts);
  const int t1 = static_cast<int>(static_cast<int64_t>(job->tiles) * (part + 1) / job->parts);
  if (job->splitRows) {
    const int i0 = t0 * K->mr, i1 = t1 * K->mr < job->g.m ? t1 * K->mr : job->g.m;
    K->gemm(&job->g, i0, i1, 0, job->g.n, work);
  } else {
    const int j0 = t0 * K->nr, j1 = t1 * K->nr < job->g.n ? t1 * K->nr : job->g.n;
    K->gemm(&job->g, 0, job->g.m, j0, j1, work);
  }
}

int64_t lastIndex(int64_t rows, int64_t rowStride, int64_t cols, int64_t colStride) {
  if (rows <= 0 || cols <= 0) return -1;
  return (rows - 1) * rowStride + (cols - 1) * colStride;
}

// gemm(memory, a, sai, sak, b, sbk, sbj, c, ldc, m, n, k, bias, relu): offsets
// in bytes, strides in elements, bias < 0 for none.
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args args(env, info, 14, "gemm");
  if (!args.ok) return nullptr;
  const int64_t a = args.integer(1), sai = args.integer(2), sak = args.integer(3);
  const int64_t b = args.integer(4), sbk = args.integer(5), sbj = args.integer(6);
  const int64_t c = args.integer(7), ldc = args.integer(8);
  const int64_t m = args.integer(9), n = args.integer(10), k = args.integer(11);
  const int64_t bias = args.integer(12);
  bool relu = false;
  napi_get_value_bool(env, args.argv[13], &relu);
  if (!args.ok || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || sai < 0 || sak < 0 || sbk < 0 || sbj < 0 || ldc < n) {
    args.fail("gemm", "bad sizes or strides");
    return nullptr;
  }
  GemmJob job;
  job.g.a = args.at(a, lastIndex(m, sai, k, sak), "gemm");
  job.g.b = args.at(b, lastIndex(k, sbk, n, sbj), "gemm");
  job.g.c = args.at(c, lastIndex(m, ldc, n, 1), "gemm");
  job.g.bias = bias < 0 ? nullptr : args.at(bias, n - 1, "gemm");
  if (!args.ok) return nullptr;
  job.g.sai = sai, job.g.sak = sak, job.g.sbk = sbk, job.g.sbj = sbj, job.g.ldc = ldc;
  job.g.m = static_cast<int>(m), job.g.n = static_cast<int>(n), job.g.k = static_cast<int>(k);
  job.g.relu = relu ? 1 : 0;
  const int mTiles = static_cast<int>((m + K->mr - 1) / K->mr), nTiles = static_cast<int>((n + K->nr - 1) / K->nr);
  // Split the larger side of C, so the operand packed by every thread (the
  // other side's) is the smaller one; products too small to pay for waking
  // the pool run on the calling thread.
  job.splitRows = m * K->nr >= n * K->mr;
  job.tiles = job.splitRows ? mTiles : nTiles;
  const double flops = 2.0 * m * n * k;
  int parts = args.pool->threads();
  if (flops < 4e5) parts = 1;
  if (parts > job.tiles) parts = job.tiles > 0 ? job.tiles : 1;
  job.parts = parts;
  args.pool->run(gemmPart, &job, parts);
  return nullptr;
}

// ------------------------------------------------------- element-wise kernels

const size_t GRAIN = 1 << 15;  // elements per part below which one thread does it all

// Parts for `n` items of `cost` elements' work each: one per GRAIN of work,
// at most one per thread and one per item.
int partsFor(const Pool* pool, size_t n, size_t cost = 1) {
  const size_t want = n * cost / GRAIN;
  size_t parts = want < 1 ? 1 : want;
  if (parts > static_cast<size_t>(pool->threads())) parts = pool->threads();
  if (parts > n) parts = n > 0 ? n : 1;
  return static_cast<int>(parts);
}

// Runs f(lo, hi) on the pool over [0, n) cut into `parts` consecutive ranges.
template <class F>
void forRanges(Pool* pool, size_t n, int parts, const F& f) {
  struct Ctx {
    const F* f;
    size_t n;
    int parts;
  } ctx{&f, n, parts};
  pool->run([](void* c, int p, float*) {
    const Ctx* x = static_cast<const Ctx*>(c);
    (*x->f)(x->n * p / x->parts, x->n * (p + 1) / x->parts);
  }, &ctx, parts);
}

// adam(memory, w, g, m, v, w', m', v', size, c1, c2, alpha, eps)
napi_value Adam(napi_env env, napi_callback_info info) {
  Args args(env, info, 13, "adam");
  if (!args.ok) return nullptr;
  const int64_t size = args.integer(8);
  if (size < 0) args.fail("adam", "negative size");
  float* t[7];
  for (int i = 0; i < 7; i++) t[i] = args.at(args.integer(1 + i), size - 1, "adam");
  const float c1 = static_cast<float>(args.num(9)), c2 = static_cast<float>(args.num(10));
  const float alpha = static_cast<float>(args.num(11)), eps = static_cast<float>(args.num(12));
  if (!args.ok) return nullptr;
  const size_t n = static_cast<size_t>(size);
  forRanges(args.pool, n, partsFor(args.pool, n), [&](size_t lo, size_t hi) {
    K->adam(t[0], t[1], t[2], t[3], t[4], t[5], t[6], lo, hi, c1, c2, alpha, eps);
  });
  return nullptr;
}

// sgd(memory, w, g, v, w', v', size, momentum, lr, nesterov, first)
napi_value Sgd(napi_env env, napi_callback_info info) {
  Args args(env, info, 11, "sgd");
  if (!args.ok) return nullptr;
  const int64_t size = args.integer(6);
  if (size < 0) args.fail("sgd", "negative size");
  float* t[5];
  for (int i = 0; i < 5; i++) t[i] = args.at(args.integer(1 + i), size - 1, "sgd");
  const float momentum = static_cast<float>(args.num(7)), lr = static_cast<float>(args.num(8));
  bool nesterov = false, first = false;
  napi_get_value_bool(env, args.argv[9], &nesterov);
  napi_get_value_bool(env, args.argv[10], &first);
  if (!args.ok) return nullptr;
  const size_t n = static_cast<size_t>(size);
  forRanges(args.pool, n, partsFor(args.pool, n), [&](size_t lo, size_t hi) {
    K->sgd(t[0], t[1], t[2], t[3], t[4], lo, hi, momentum, lr, nesterov ? 1 : 0, first ? 1 : 0);
  });
  return nullptr;
}

// colsum(memory, x, out, rows, cols)
napi_value Colsum(napi_env env, napi_callback_info info) {
  Args args(env, info, 5, "colsum");
  if (!args.ok) return nullptr;
  const int64_t rows = args.integer(3), cols = args.integer(4);
  if (rows < 0 || cols < 0) args.fail("colsum", "negative size");
  const float* x = args.at(args.integer(1), rows * cols - 1, "colsum");
  float* out = args.at(args.integer(2), cols - 1, "colsum");
  if (!args.ok) return nullptr;
  const size_t r = static_cast<size_t>(rows), c = static_cast<size_t>(cols);
  // Column ranges in blocks of 64 floats so threads never share a cache line.
  const size_t blocks = (c + 63) / 64;
  forRanges(args.pool, blocks, partsFor(args.pool, blocks, 64 * r), [&](size_t lo, size_t hi) {
    const size_t j1 = hi * 64 < c ? hi * 64 : c;
    if (lo * 64 < j1) K->colsum(x, out, r, c, lo * 64, j1);
  });
  return nullptr;
}

// bernoulli(memory, logits, x, rows, xrows, d, value, grad): x [xrows, d] broadcast over logits [rows, d]
napi_value Bernoulli(napi_env env, napi_callback_info info) {
  Args args(env, info, 8, "bernoulli");
  if (!args.ok) return nullptr;
  const int64_t rows = args.integer(3), xrows = args.integer(4), d = args.integer(5);
  if (rows < 0 || d < 0 || xrows < 1 || rows % xrows != 0) args.fail("bernoulli", "x's rows must divide the logits' rows");
  const float* l = args.at(args.integer(1), rows * d - 1, "bernoulli");
  const float* x = args.at(args.integer(2), xrows * d - 1, "bernoulli");
  float* value = args.at(args.integer(6), rows - 1, "bernoulli");
  float* grad = args.at(args.integer(7), rows * d - 1, "bernoulli");
  if (!args.ok) return nullptr;
  const size_t r = static_cast<size_t>(rows), xr = static_cast<size_t>(xrows), dd = static_cast<size_t>(d);
  // ~4× the work of an element-wise pass per value
  forRanges(args.pool, r, partsFor(args.pool, r, dd / 4), [&](size_t lo, size_t hi) { K->bernoulli(l, x, dd, xr, value, grad, lo, hi); });
  return nullptr;
}

// bernoulliValue(memory, logits, x, rows, xrows, d, value): x [xrows, d] broadcast over logits [rows, d]
napi_value BernoulliValue(napi_env env, napi_callback_info info) {
  Args args(env, info, 7, "bernoulliValue");
  if (!args.ok) return nullptr;
  const int64_t rows = args.integer(3), xrows = args.integer(4), d = args.integer(5);
  if (rows < 0 || d < 0 || xrows < 1 || rows % xrows != 0) args.fail("bernoulliValue", "x's rows must divide the logits' rows");
  const float* l = args.at(args.integer(1), rows * d - 1, "bernoulliValue");
  const float* x = args.at(args.integer(2), xrows * d - 1, "bernoulliValue");
  float* value = args.at(args.integer(6), rows - 1, "bernoulliValue");
  if (!args.ok) return nullptr;
  const size_t r = static_cast<size_t>(rows), xr = static_cast<size_t>(xrows), dd = static_cast<size_t>(d);
  forRanges(args.pool, r, partsFor(args.pool, r, dd / 4), [&](size_t lo, size_t hi) { K->bernoulliValue(l, x, dd, xr, value, lo, hi); });
  return nullptr;
}

// An activation's gradient from its output: name(memory, dy, y, out, size).
napi_value activationGrad(napi_env env, napi_callback_info info, const char* name,
                          void (*const LLKernels::*kernel)(const float*, const float*, float*, size_t, size_t)) {
  Args args(env, info, 5, name);
  if (!args.ok) return nullptr;
  const int64_t size = args.integer(4);
  if (size < 0) args.fail(name, "negative size");
  float* t[3];
  for (int i = 0; i < 3; i++) t[i] = args.at(args.integer(1 + i), size - 1, name);
  if (!args.ok) return nullptr;
  const size_t n = static_cast<size_t>(size);
  const auto fn = K->*kernel;
  forRanges(args.pool, n, partsFor(args.pool, n), [&](size_t lo, size_t hi) { fn(t[0], t[1], t[2], lo, hi); });
  return nullptr;
}

// reluGrad(memory, dy, y, out, size): dy·step(y).
napi_value ReluGrad(napi_env env, napi_callback_info info) { return activationGrad(env, info, "reluGrad", &LLKernels::reluGrad); }

// tanhGrad(memory, dy, y, out, size): dy·(1 − y²).
napi_value TanhGrad(napi_env env, napi_callback_info info) { return activationGrad(env, info, "tanhGrad", &LLKernels::tanhGrad); }

// An element-wise function: name(memory, x, out, size), out may be x;
// f(x, out, lo, hi) computes [lo, hi), each value costing ~8 adds.
template <class F>
napi_value elementwise(napi_env env, napi_callback_info info, const char* name, const F& f) {
  Args args(env, info, 4, name);
  if (!args.ok) return nullptr;
  const int64_t size = args.integer(3);
  if (size < 0) args.fail(name, "negative size");
  const float* x = args.at(args.integer(1), size - 1, name);
  float* out = args.at(args.integer(2), size - 1, name);
  if (!args.ok) return nullptr;
  const size_t n = static_cast<size_t>(size);
  forRanges(args.pool, n, partsFor(args.pool, n, 8), [&](size_t lo, size_t hi) { f(x, out, lo, hi); });
  return nullptr;
}

// tanh(memory, x, out, size)
napi_value Tanh(napi_env env, napi_callback_info info) {
  return elementwise(env, info, "tanh", [](const float* x, float* out, size_t lo, size_t hi) { K->tanh(x, out, lo, hi); });
}

// exp(memory, x, out, size): out = expf(x), the C library's. TF.js's wasm
// Exp is musl's expf, and glibc's (2.28 on) is the same algorithm, correctly
// rounded but in rare cases: equal bits on every one of 4 million floats
// tried over [−105, 105] — at ≈ 14–24 ns a value there on one thread, ≈ 7
// here, on the pool.
napi_value Exp(napi_env env, napi_callback_info info) {
  return elementwise(env, info, "exp", [](const float* x, float* out, size_t lo, size_t hi) {
    for (size_t i = lo; i < hi; i++) out[i] = expf(x[i]);
  });
}

// clipGrad(memory, dy, x, min, max, out, size)
napi_value ClipGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, 7, "clipGrad");
  if (!args.ok) return nullptr;
  const int64_t size = args.integer(6);
  if (size < 0) args.fail("clipGrad", "negative size");
  const float* dy = args.at(args.integer(1), size - 1, "clipGrad");
  const float* x = args.at(args.integer(2), size - 1, "clipGrad");
  const float min = static_cast<float>(args.num(3)), max = static_cast<float>(args.num(4));
  float* out = args.at(args.integer(5), size - 1, "clipGrad");
  if (!args.ok) return nullptr;
  const size_t n = static_cast<size_t>(size);
  forRanges(args.pool, n, partsFor(args.pool, n), [&](size_t lo, size_t hi) { K->clipGrad(dy, x, min, max, out, lo, hi); });
  return nullptr;
}

// The diagonal Gaussian's kernels (kernels.h): rows of d values; μ and log σ²
// have prows rows, read at row r mod prows. Checks the sizes and ranges every
// one of them shares; null when they fail (the exception is pending).
struct GaussShape {
  size_t rows, prows, d;
};
bool gaussShape(Args& args, int64_t rows, int64_t prows, int64_t d, const char* name, GaussShape* out) {
  if (rows < 0 || d < 0 || prows < 1 || rows % prows != 0) {
    args.fail(name, "the parameters' rows must divide the rows");
    return false;
  }
  *out = {static_cast<size_t>(rows), static_cast<size_t>(prows), static_cast<size_t>(d)};
  return args.ok;
}

// gaussSample(memory, mu, lv, eps, rows, prows, d, z)
napi_value GaussSample(napi_env env, napi_callback_info info) {
  Args args(env, info, 8, "gaussSample");
  GaussShape g;
  if (!args.ok || !gaussShape(args, args.integer(4), args.integer(5), args.integer(6), "gaussSample", &g)) return nullptr;
  const int64_t n = g.rows * g.d, pn = g.prows * g.d;
  const float* mu = args.at(args.integer(1), pn - 1, "gaussSample");
  const float* lv = args.at(args.integer(2), pn - 1, "gaussSample");
  const float* eps = args.at(args.integer(3), n - 1, "gaussSample");
  float* z = args.at(args.integer(7), n - 1, "gaussSample");
  if (!args.ok) return nullptr;
  forRanges(args.pool, g.rows, partsFor(args.pool, g.rows, g.d * 2), [&](size_t lo, size_t hi) { K->gaussSample(mu, lv, eps, g.d, g.prows, z, lo, hi); });
  return nullptr;
}

// gaussSampleGrad(memory, dz, z, mu, rows, prows, d, dlv)
napi_value GaussSampleGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, 8, "gaussSampleGrad");
  GaussShape g;
  if (!args.ok || !gaussShape(args, args.integer(4), args.integer(5), args.integer(6), "gaussSampleGrad", &g)) return nullptr;
  const int64_t n = g.rows * g.d;
  const float* dz = args.at(args.integer(1), n - 1, "gaussSampleGrad");
  const float* z = args.at(args.integer(2), n - 1, "gaussSampleGrad");
  const float* mu = args.at(args.integer(3), g.prows * g.d - 1, "gaussSampleGrad");
  float* dlv = args.at(args.integer(7), n - 1, "gaussSampleGrad");
  if (!args.ok) return nullptr;
  forRanges(args.pool, g.rows, partsFor(args.pool, g.rows, g.d), [&](size_t lo, size_t hi) { K->gaussSampleGrad(dz, z, mu, g.d, g.prows, dlv, lo, hi); });
  return nullptr;
}

// gaussKl(memory, mu, lv, rows, d, value)
napi_value GaussKl(napi_env env, napi_callback_info info) {
  Args args(env, info, 6, "gaussKl");
  GaussShape g;
  if (!args.ok || !gaussShape(args, args.integer(3), args.integer(3), args.integer(4), "gaussKl", &g)) return nullptr;
  const int64_t n = g.rows * g.d;
  const float* mu = args.at(args.integer(1), n - 1, "gaussKl");
  const float* lv = args.at(args.integer(2), n - 1, "gaussKl");
  float* value = args.at(args.integer(5), static_cast<int64_t>(g.rows) - 1, "gaussKl");
  if (!args.ok) return nullptr;
  forRanges(args.pool, g.rows, partsFor(args.pool, g.rows, g.d * 2), [&](size_t lo, size_t hi) { K->gaussKl(mu, lv, g.d, value, lo, hi); });
  return nullptr;
}

// gaussKlGrad(memory, dkl, mu, lv, rows, d, dmu, dlv)
napi_value GaussKlGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, 8, "gaussKlGrad");
  GaussShape g;
  if (!args.ok || !gaussShape(args, args.integer(4), args.integer(4), args.integer(5), "gaussKlGrad", &g)) return nullptr;
  const int64_t n = g.rows * g.d;
  const float* dkl = args.at(args.integer(1), static_cast<int64_t>(g.rows) - 1, "gaussKlGrad");
  const float* mu = args.at(args.integer(2), n - 1, "gaussKlGrad");
  const float* lv = args.at(args.integer(3), n - 1, "gaussKlGrad");
  float* dmu = args.at(args.integer(6), n - 1, "gaussKlGrad");
  float* dlv = args.at(args.integer(7), n - 1, "gaussKlGrad");
  if (!args.ok) return nullptr;
  forRanges(args.pool, g.rows, partsFor(args.pool, g.rows, g.d * 2), [&](size_t lo, size_t hi) { K->gaussKlGrad(dkl, mu, lv, g.d, dmu, dlv, lo, hi); });
  return nullptr;
}

// gaussLogProb(memory, x, mu, lv, rows, prows, d, value, dmu, dlv): dmu < 0 for the value alone
napi_value GaussLogProb(napi_env env, napi_callback_info info) {
  Args args(env, info, 10, "gaussLogProb");
  GaussShape g;
  if (!args.ok || !gaussShape(args, args.integer(4), args.integer(5), args.integer(6), "gaussLogProb", &g)) return nullptr;
  const int64_t n = g.rows * g.d, pn = g.prows * g.d;
  const float* x = args.at(args.integer(1), n - 1, "gaussLogProb");
  const float* mu = args.at(args.integer(2), pn - 1, "gaussLogProb");
  const float* lv = args.at(args.integer(3), pn - 1, "gaussLogProb");
  float* value = args.at(args.integer(7), static_cast<int64_t>(g.rows) - 1, "gaussLogProb");
  const bool grads = args.integer(8) >= 0;
  float* dmu = grads ? args.at(args.integer(8), n - 1, "gaussLogProb") : nullptr;
  float* dlv = grads ? args.at(args.integer(9), n - 1, "gaussLogProb") : nullptr;
  if (!args.ok) return nullptr;
  forRanges(args.pool, g.rows, partsFor(args.pool, g.rows, g.d * 3), [&](size_t lo, size_t hi) { K->gaussLogProb(x, mu, lv, g.d, g.prows, value, dmu, dlv, lo, hi); });
  return nullptr;
}

// ------------------------------------------------------------ data reading

// A typed array's elements, or null (with a RangeError pending) when `v` is
// not a typed array of `type`.
template <class T>
T* typedArray(napi_env env, napi_value v, napi_typedarray_type type, size_t* length, const char* what) {
  bool is = false;
  napi_typedarray_type t;
  void* data = nullptr;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &t, length, &data, nullptr, nullptr) != napi_ok ||
      t != type) {
    napi_throw_range_error(env, nullptr, (std::string("latentlab native byteRows: ") + what).c_str());
    return nullptr;
  }
  return static_cast<T*>(data);
}

// byteRows(bytes: Uint8Array, indices: Int32Array, dim, out: Float32Array):
// out's row r = bytes' row indices[r] read as k/255, rows of dim values (8-bit
// examples to the float32 batch a training step reads). k/255 in float32
// division is correctly rounded, so the values are the loaders' own.
napi_value ByteRows(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  Pool* pool = static_cast<Pool*>(data);
  if (argc != 4) {
    napi_throw_range_error(env, nullptr, "latentlab native byteRows: wrong number of arguments");
    return nullptr;
  }
  size_t nBytes = 0, nIndices = 0, nOut = 0;
  const uint8_t* bytes = typedArray<const uint8_t>(env, argv[0], napi_uint8_array, &nBytes, "the examples must be a Uint8Array");
  if (!bytes) return nullptr;
  const int32_t* indices = typedArray<const int32_t>(env, argv[1], napi_int32_array, &nIndices, "the indices must be an Int32Array");
  if (!indices) return nullptr;
  int64_t dim64 = 0;
  if (napi_get_value_int64(env, argv[2], &dim64) != napi_ok || dim64 < 1) {
    napi_throw_range_error(env, nullptr, "latentlab native byteRows: the row length must be at least 1");
    return nullptr;
  }
  float* out = typedArray<float>(env, argv[3], napi_float32_array, &nOut, "the output must be a Float32Array");
  if (!out) return nullptr;
  const size_t dim = static_cast<size_t>(dim64), rows = nBytes / dim;
  if (nOut / dim < nIndices) {
    napi_throw_range_error(env, nullptr, "latentlab native byteRows: the output is shorter than the rows asked for");
    return nullptr;
  }
  for (size_t r = 0; r < nIndices; r++) {
    if (indices[r] < 0 || static_cast<size_t>(indices[r]) >= rows) {
      napi_throw_range_error(env, nullptr, "latentlab native byteRows: an index is outside the examples");
      return nullptr;
    }
  }
  forRanges(pool, nIndices, partsFor(pool, nIndices, dim), [&](size_t lo, size_t hi) {
    for (size_t r = lo; r < hi; r++) {
      const uint8_t* src = bytes + static_cast<size_t>(indices[r]) * dim;
      float* dst = out + r * dim;
      for (size_t j = 0; j < dim; j++) dst[j] = static_cast<float>(src[j]) / 255.0f;
    }
  });
  return nullptr;
}

// ----------------------------------------------------------- configuration

// fmaPeak(): GFLOP/s of the calling thread's fused multiply-adds on the
// kernels' vectors, timed over ~50 ms: the limit a product could reach on one core.
napi_value FmaPeak(napi_env env, napi_callback_info) {
  const long iters = 2000000;
  K->fmaProbe(iters / 20);  // warm up the clock
  const auto t0 = std::chrono::steady_clock::now();
  const float check = K->fmaProbe(iters);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double flops = 2.0 * iters * 2 * K->mr * (K->nr / 2);
  napi_value out;
  napi_create_double(env, check == check ? flops / s / 1e9 : 0, &out);
  return out;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data = nullptr;
  napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  Pool* pool = static_cast<Pool*>(data);
  int32_t n = 0;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || n > 256) {
    napi_throw_range_error(env, nullptr, "latentlab native setThreads: a thread count from 1 to 256");
    return nullptr;
  }
  pool->resize(n);
  return nullptr;
}

napi_value Info(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &data);
  Pool* pool = static_cast<Pool*>(data);
  napi_value obj, isa, threads, cpus, mr, nr;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, K->name, NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, pool->threads(), &threads);
  napi_create_int32(env, cpusAvailable(), &cpus);
  napi_create_int32(env, K->mr, &mr);
  napi_create_int32(env, K->nr, &nr);
  napi_set_named_property(env, obj, "isa", isa);
  napi_set_named_property(env, obj, "threads", threads);
  napi_set_named_property(env, obj, "cpus", cpus);
  napi_set_named_property(env, obj, "mr", mr);
  napi_set_named_property(env, obj, "nr", nr);
  return obj;
}

void cleanup(void* pool) { delete static_cast<Pool*>(pool); }

// One pool per JavaScript environment (the main thread and each worker
// thread that loads the addon), so two environments never share one.
napi_value Init(napi_env env, napi_value exports) {
  static std::once_flag picked;
  std::call_once(picked, [] { K = pickKernels(); });
  Pool* pool = new Pool(K);
  int threads = cpusAvailable();
  if (const char* s = std::getenv("LATENTLAB_THREADS")) {
    const int t = std::atoi(s);
    if (t >= 1 && t <= 256) threads = t;
  }
  pool->resize(threads);
  napi_add_env_cleanup_hook(env, cleanup, pool);
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"gemm", Gemm}, {"adam", Adam}, {"colsum", Colsum}, {"bernoulli", Bernoulli}, {"bernoulliValue", BernoulliValue}, {"sgd", Sgd}, {"reluGrad", ReluGrad}, {"tanh", Tanh}, {"exp", Exp}, {"tanhGrad", TanhGrad}, {"clipGrad", ClipGrad}, {"gaussSample", GaussSample}, {"gaussSampleGrad", GaussSampleGrad}, {"gaussKl", GaussKl}, {"gaussKlGrad", GaussKlGrad}, {"gaussLogProb", GaussLogProb}, {"byteRows", ByteRows}, {"setThreads", SetThreads}, {"info", Info}, {"fmaPeak", FmaPeak}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, pool, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
