/**
 * Hand-written WebAssembly kernels that run inside TF.js's wasm backend.
 *
 * TF.js composes an optimizer step from a dozen element-wise kernels per
 * variable, each a separate pass over memory with its own dispatch. The
 * kernels here (kernels/*.wat, SIMD, assembled into kernels/binaries.ts) do
 * such work in one pass. They are instantiated against the backend's own
 * memory, read their inputs where TF.js keeps them and write into outputs
 * allocated by the backend: new tensors. The one exception is the native
 * engine's optimizer update (`updateInPlace`), which writes over a variable
 * and its moments when no other tensor shares their memory, then moves the
 * variable to a new data id on that memory (as an assignment would) and
 * re-registers the moments, because caches keyed on ids (XNNPACK's packed
 * weights, the VampPrior's components) would not notice the change otherwise.
 *
 * Registered only for the `wasm` backend; callers check `hasFusedKernel` and
 * fall back to ordinary TF.js ops elsewhere. The matrix-product kernel
 * replaces BatchMatMul and _FusedMatMul for the products it covers (unbatched
 * float32, optional bias, linear or ReLU), so layers, gradients and user code
 * use it without asking; anything else goes to TF.js's own kernel. The
 * convolution kernels (conv-kernels.ts) are built on the same product.
 *
 * The native engine (native/*.cc, loaded by src/node/native.ts) implements
 * the same entry points (product, Adam, column sums, Bernoulli) in C++, on
 * every core: given to `installWasmKernels`, it replaces the wasm kernels of
 * the same names, reading and writing the backend's memory in place (the
 * memory's ArrayBuffer and byte offsets, as the wasm kernels get). The model
 * code does not know which engine runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { KERNEL_BINARIES } from './kernels/binaries.js';
import { registerWasmConvKernels } from './conv-kernels.js';

declare function atob(data: string): string;
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown, imports: object) => { exports: Record<string, (...args: number[]) => void> };
};

interface WasmBackendInternals {
  wasm: { asm: { memory: unknown }; tfjs: { disposeData(id: number): void; registerTensor(id: number, size: number, memoryOffset: number): void } };
  dataIdMap: { get(id: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number): tf.TensorInfo;
  refCount(dataId: object): number;
}

type KernelFunc = tf.KernelConfig['kernelFunc'];
const product = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/**
 * The native engine's entry points (native/latentlab.cc): `memory` is the
 * wasm backend's memory, tensors are byte offsets into it, strides count
 * elements. Each checks its ranges against the buffer and throws a RangeError
 * instead of touching memory outside it.
 */
export interface NativeKernels {
  gemm(memory: ArrayBuffer, a: number, sai: number, sak: number, b: number, sbk: number, sbj: number, c: number, ldc: number, m: number, n: number, k: number, bias: number, relu: boolean): void;
  adam(memory: ArrayBuffer, w: number, g: number, m: number, v: number, wo: number, mo: number, vo: number, size: number, c1: number, c2: number, alpha: number, eps: number): void;
  colsum(memory: ArrayBuffer, x: number, out: number, rows: number, cols: number): void;
  /** x [xRows, d] broadcast over logits [rows, d]. */
  bernoulli(memory: ArrayBuffer, logits: number, x: number, rows: number, xRows: number, d: number, value: number, grad: number): void;
  bernoulliValue(memory: ArrayBuffer, logits: number, x: number, rows: number, xRows: number, d: number, value: number): void;
  sgd(memory: ArrayBuffer, w: number, g: number, v: number, wo: number, vo: number, size: number, momentum: number, lr: number, nesterov: boolean, first: boolean): void;
  reluGrad(memory: ArrayBuffer, dy: number, y: number, out: number, size: number): void;
  /** out = tanh(x) (out may be x). */
  tanh(memory: ArrayBuffer, x: number, out: number, size: number): void;
  /** out = exp(x), the C library's expf (TF.js's wasm Exp: the same values). */
  exp(memory: ArrayBuffer, x: number, out: number, size: number): void;
  /** out = dy·(1 − y²): tanh's gradient from its output. */
  tanhGrad(memory: ArrayBuffer, dy: number, y: number, out: number, size: number): void;
  /** out = dy where min ≤ x ≤ max, else 0 (NaN x: 0): clipByValue's gradient. */
  clipGrad(memory: ArrayBuffer, dy: number, x: number, min: number, max: number, out: number, size: number): void;
  gaussSample(memory: ArrayBuffer, mu: number, lv: number, eps: number, rows: number, prows: number, d: number, z: number): void;
  gaussSampleGrad(memory: ArrayBuffer, dz: number, z: number, mu: number, rows: number, prows: number, d: number, dlv: number): void;
  gaussKl(memory: ArrayBuffer, mu: number, lv: number, rows: number, d: number, value: number): void;
  gaussKlGrad(memory: ArrayBuffer, dkl: number, mu: number, lv: number, rows: number, d: number, dmu: number, dlv: number): void;
  /** dmu < 0: the value alone. */
  gaussLogProb(memory: ArrayBuffer, x: number, mu: number, lv: number, rows: number, prows: number, d: number, value: number, dmu: number, dlv: number): void;
}

type Exports = Record<string, (...args: number[]) => void>;

/**
 * The native kernels behind the wasm kernels' signatures (byte strides, a
 * flags word, a scratch offset the native product does not need), so every
 * caller, the convolutions included, runs on whichever engine is installed.
 */
function nativeExports(native: NativeKernels, memory: { buffer: ArrayBuffer }): Exports {
  return {
    gemm: (a, sai, sak, b, sbk, sbj, c, ldc, m, n, k, bias, flags) =>
      native.gemm(memory.buffer, a, sai / 4, sak / 4, b, sbk / 4, sbj / 4, c, ldc / 4, m, n, k, flags & 1 ? bias : -1, (flags & 2) !== 0),
    adam: (w, g, m, v, wo, mo, vo, size, c1, c2, alpha, eps) => native.adam(memory.buffer, w, g, m, v, wo, mo, vo, size, c1, c2, alpha, eps),
    colsum: (x, out, rows, cols) => native.colsum(memory.buffer, x, out, rows, cols),
    bernoulli: (l, x, rows, d, value, grad) => native.bernoulli(memory.buffer, l, x, rows, rows, d, value, grad),
  };
}

export const ADAM_KERNEL = 'LatentLabAdam';
/**
 * SGD with momentum over one variable (native engine only): inputs {w, g, v};
 * attrs {momentum, lr, nesterov, first}; outputs [w', v'] with v' = g on the
 * first step, else momentum·v + g, and w' = w − lr·(nesterov ? g + momentum·v' : v').
 */
export const SGD_KERNEL = 'LatentLabSgd';
/** dy·step(y) in one pass (native engine only): the ReLU's gradient from its output y; inputs {dy, y}. */
export const RELU_GRAD_KERNEL = 'LatentLabReluGrad';
/**
 * dy·(1 − y²) in one pass (native engine only): tanh's gradient from its
 * output y; inputs {dy, y}. Where it is registered, MATMUL_KERNEL also takes
 * the activation 'tanh'.
 */
export const TANH_GRAD_KERNEL = 'LatentLabTanhGrad';
/** clipByValue's gradient in one pass (native engine only): inputs {dy, x}, attrs {clipValueMin, clipValueMax}; dy where min ≤ x ≤ max, else 0. */
export const CLIP_GRAD_KERNEL = 'LatentLabClipGrad';
/**
 * The Bernoulli log-likelihood's value alone, for evaluation (native engine
 * only): inputs {logits [..., rows, d], x [rows, d] or logits' shape}, x
 * broadcast over logits' leading axes (K importance samples of one batch)
 * without being copied; output [...]: Σ_d x·l − softplus(l).
 */
export const BERNOULLI_VALUE_KERNEL = 'LatentLabBernoulliValue';
/**
 * Bernoulli log-likelihood from logits and its gradient in one pass
 * (kernels/bernoulli.wat): inputs {logits, x, residual}, logits and x of one
 * float32 shape [..., d], residual a float32 tensor of the logits' shape whose
 * memory the kernel writes x − σ(l) into; output value [...]: Σ_d x·l −
 * softplus(l). Differentiable (registerBernoulliGradients): the residual is
 * what the gradient to the logits scales. Call it through
 * `bernoulliWithResidual`, which allocates the residual (uninitialised) for
 * one call: as a second output it would be an output without a gradient,
 * for which TF.js's tape builds a tensor of zeros in JavaScript and copies
 * it into the backend at every backward pass (400 KB per MNIST step of 128
 * images, K times more for an importance-weighted objective).
 */
export const BERNOULLI_KERNEL = 'LatentLabBernoulli';
/**
 * The diagonal Gaussian's kernels (native engine only). Shapes: x, z, ε and
 * dz are [..., rows, d]; μ (`loc`) and log σ² (`logVar`) are [prows, d] or x's
 * shape, broadcast over x's leading axes (K samples of one batch).
 *
 * GAUSSIAN_SAMPLE_KERNEL: {loc, logVar, eps} → z = μ + exp(½ log σ²)·ε.
 */
export const GAUSSIAN_SAMPLE_KERNEL = 'LatentLabGaussianSample';
/** {dz, z, loc} → ½·dz·(z − μ), the sample's gradient to log σ² (in z's shape). */
export const GAUSSIAN_SAMPLE_GRAD_KERNEL = 'LatentLabGaussianSampleGrad';
/** {loc, logVar} of one shape [..., d] → [...]: KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_d μ² + σ² − 1 − log σ². */
export const GAUSSIAN_KL_KERNEL = 'LatentLabGaussianKl';
/** {dkl [...], loc, logVar} → [dkl·μ, ½·dkl·(σ² − 1)], the KL's gradients. */
export const GAUSSIAN_KL_GRAD_KERNEL = 'LatentLabGaussianKlGrad';
/**
 * {x, loc, logVar}, attrs {grads} → value [...] = log N(x; μ, σ²) summed over
 * d; with grads also [(x − μ)/σ², ½((x − μ)²/σ² − 1)] in x's shape, the
 * derivatives to μ and log σ² of each term (the one to x is minus the first).
 */
export const GAUSSIAN_LOG_PROB_KERNEL = 'LatentLabGaussianLogProb';
const GAUSSIAN_KERNELS = [GAUSSIAN_SAMPLE_KERNEL, GAUSSIAN_SAMPLE_GRAD_KERNEL, GAUSSIAN_KL_KERNEL, GAUSSIAN_KL_GRAD_KERNEL, GAUSSIAN_LOG_PROB_KERNEL];
/**
 * BERNOULLI_KERNEL with x broadcast (native engine only): x's shape may end
 * the logits' shape, read once for every leading index (the K samples of
 * one batch in an importance-weighted objective) instead of copied K times.
 */
export const BERNOULLI_BROADCAST_KERNEL = 'LatentLabBernoulliBroadcast';
/**
 * The matrix-product kernel of kernels/gemm.wat, with _FusedMatMul's inputs
 * {a, b, bias?} and attributes {transposeA, transposeB, activation: 'linear' |
 * 'relu'}, or 'tanh' on the native engine (see TANH_GRAD_KERNEL).
 * Differentiable when neither operand is transposed: a dense layer in one
 * kernel (see nets/mlp.ts), whose gradient computes only what the tape asks for.
 */
export const MATMUL_KERNEL = 'LatentLabMatMul';
/** The native engine and the backend memory it works on, while it is installed (see `updateInPlace`). */
let inPlace: { backendName: string; native: NativeKernels; memory: { buffer: ArrayBuffer } } | undefined;

/**
 * One optimizer step written over the variable and its state (native engine
 * only): Adam with {w, g, m, v} or SGD with momentum with {w, g, v}, attrs as
 * ADAM_KERNEL's and SGD_KERNEL's. Saves a pass of writes to fresh memory
 * (the update is bound by memory traffic) and two of the three new tensors
 * per variable that the kernels make. Done only when every tensor written to
 * holds its memory alone (backend reference count 1: no clone, e.g. a
 * checkpoint's copy of the moments, sees the change) and is float32 of g's
 * size; otherwise it touches nothing and returns false, and the caller runs
 * the kernel.
 *
 * The weights then move to a new data id on the same memory, as an
 * assignment would give them: TF.js code may key what it caches on a
 * variable's data id (the VampPrior's components do; XNNPACK's packed
 * weights are keyed on the backend's tensor id), taking a new id to mean new
 * values. The moments are the optimizer's own; they keep their ids and are
 * only re-registered with the backend, which drops anything cached for them.
 */
export function updateInPlace(kind: 'adam', t: { w: tf.Variable; g: tf.Tensor; m: tf.Variable; v: tf.Variable }, attrs: { c1: number; c2: number; alpha: number; eps: number }): boolean;
export function updateInPlace(kind: 'sgd', t: { w: tf.Variable; g: tf.Tensor; v: tf.Variable }, attrs: { momentum: number; lr: number; nesterov: boolean; first: boolean }): boolean;
export function updateInPlace(kind: 'adam' | 'sgd', t: Record<string, tf.Tensor>, attrs: Record<string, number | boolean>): boolean {
  if (!inPlace || tf.getBackend() !== inPlace.backendName) return false;
  const b = tf.backend() as unknown as WasmBackendInternals;
  const written = kind === 'adam' ? [t.w, t.m, t.v] : [t.w, t.v];
  const size = t.g.size;
  const ids = new Set([t.g, ...written].map((x) => x.dataId));
  if (ids.size !== written.length + 1 || t.g.dtype !== 'float32') return false;
  if (!written.every((x) => x.dtype === 'float32' && x.size === size && b.refCount(x.dataId) === 1)) return false;
  const offset = (x: tf.Tensor) => b.dataIdMap.get(x.dataId).memoryOffset;
  const { native, memory } = inPlace;
  if (kind === 'adam') {
    const { c1, c2, alpha, eps } = attrs as Record<string, number>;
    native.adam(memory.buffer, offset(t.w), offset(t.g), offset(t.m), offset(t.v), offset(t.w), offset(t.m), offset(t.v), size, c1, c2, alpha, eps);
  } else {
    const { momentum, lr, nesterov, first } = attrs as { momentum: number; lr: number; nesterov: boolean; first: boolean };
    native.sgd(memory.buffer, offset(t.w), offset(t.g), offset(t.v), offset(t.w), offset(t.v), size, momentum, lr, nesterov, first);
  }
  for (const x of written.slice(1)) {
    const { id, memoryOffset } = b.dataIdMap.get(x.dataId);
    b.wasm.tfjs.disposeData(id);
    b.wasm.tfjs.registerTensor(id, size, memoryOffset);
  }
  renameData(b, t.w as tf.Variable);
  return true;
}

/**
 * Moves variable v to a new data id on the memory it has (v's reference
 * count is 1): the old id is disposed without freeing that memory (its
 * record's offset is set to 0 first, and freeing 0 does nothing), and
 * everything keyed on the old id, XNNPACK's cache included, is dropped.
 */
function renameData(b: WasmBackendInternals, v: tf.Variable): void {
  const record = b.dataIdMap.get(v.dataId);
  const moved = tf.engine().makeTensorFromTensorInfo(b.makeOutput([...v.shape], 'float32', record.memoryOffset));
  record.memoryOffset = 0;
  v.assign(moved);
  moved.dispose();
}

/** What `installWasmKernels` installed per backend ('wasm' or 'native'), and the backend's own kernels it wrapped. */
const installed = new Map<string, 'wasm' | 'native'>();
const originals = new Map<string, tf.KernelConfig>();

function decodeBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** With `native`, x may be broadcast over the logits' leading axes (see BERNOULLI_KERNEL). */
function bernoulliKernel(exports: Exports, native?: { kernels: NativeKernels; memory: { buffer: ArrayBuffer } }): KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { logits, x, residual } = inputs as Record<string, tf.TensorInfo>;
    const same = logits.shape.join() === x.shape.join();
    const suffix = x.shape.length >= 1 && x.shape.length <= logits.shape.length && logits.shape.slice(logits.shape.length - x.shape.length).join() === x.shape.join();
    if (logits.dtype !== 'float32' || x.dtype !== 'float32' || logits.shape.length < 1 || !(same || (native && suffix))) {
      throw new Error(`${BERNOULLI_KERNEL}: logits and x must be float32 tensors of one shape${native ? ', or x of a shape that ends the logits\' shape' : ''}`);
    }
    if (!residual || residual.dtype !== 'float32' || residual.shape.join() !== logits.shape.join() || b.refCount(residual.dataId) !== 1) {
      throw new Error(`${BERNOULLI_KERNEL}: residual must be a float32 tensor of the logits' shape whose memory nothing else shares (it is written over)`);
    }
    const d = logits.shape[logits.shape.length - 1];
    const value = b.makeOutput(logits.shape.slice(0, -1), 'float32');
    const offset = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    const rows = product(logits.shape.slice(0, -1));
    const xRows = product(x.shape.slice(0, -1));
    if (rows > 0 && xRows > 0) {
      if (native) native.kernels.bernoulli(native.memory.buffer, offset(logits), offset(x), rows, xRows, d, offset(value), offset(residual));
      else exports.bernoulli(offset(logits), offset(x), rows, d, offset(value), offset(residual));
    }
    return value;
  };
}

/**
 * The Bernoulli log-likelihood Σ_d x·l − softplus(l) on the fused kernel
 * (BERNOULLI_KERNEL, or BERNOULLI_BROADCAST_KERNEL with `broadcast`), its
 * residual x − σ(l) written into memory allocated for this call and left
 * uninitialised before (the kernel writes every value): a recording tape
 * keeps it for the gradient, otherwise it is freed on return.
 */
export function bernoulliWithResidual(logits: tf.Tensor, x: tf.Tensor, broadcast = false): tf.Tensor {
  const b = tf.backend() as unknown as WasmBackendInternals;
  const residual = tf.engine().makeTensorFromTensorInfo(b.makeOutput([...logits.shape], 'float32'));
  try {
    return tf.engine().runKernel(broadcast ? BERNOULLI_BROADCAST_KERNEL : BERNOULLI_KERNEL, { logits, x, residual }) as tf.Tensor;
  } finally {
    residual.dispose();
  }
}

/** Adam over one variable: inputs {w, g, m, v}; attrs {c1, c2, alpha, eps}; outputs [w', m', v']. */
function adamKernel(exports: Exports): tf.KernelConfig['kernelFunc'] {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { w, g, m, v } = inputs as Record<string, tf.TensorInfo>;
    const { c1, c2, alpha, eps } = attrs as unknown as Record<string, number>;
    const offset = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    const outs = [0, 1, 2].map(() => b.makeOutput([...w.shape], 'float32'));
    const size = w.shape.reduce((n, d) => n * d, 1);
    exports.adam(offset(w), offset(g), offset(m), offset(v), offset(outs[0]), offset(outs[1]), offset(outs[2]), size, c1, c2, alpha, eps);
    return outs;
  };
}

function sgdKernel(native: NativeKernels, memory: { buffer: ArrayBuffer }): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { w, g, v } = inputs as Record<string, tf.TensorInfo>;
    const { momentum, lr, nesterov, first } = attrs as unknown as { momentum: number; lr: number; nesterov: boolean; first: boolean };
    const offset = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    const outs = [0, 1].map(() => b.makeOutput([...w.shape], 'float32'));
    native.sgd(memory.buffer, offset(w), offset(g), offset(v), offset(outs[0]), offset(outs[1]), product(w.shape), momentum, lr, nesterov, first);
    return outs;
  };
}

function bernoulliValueKernel(native: NativeKernels, memory: { buffer: ArrayBuffer }): KernelFunc {
  return ({ inputs, backend }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { logits, x } = inputs as Record<string, tf.TensorInfo>;
    const suffix = logits.shape.slice(logits.shape.length - x.shape.length);
    if (logits.dtype !== 'float32' || x.dtype !== 'float32' || x.shape.length < 1 || x.shape.length > logits.shape.length || suffix.join() !== x.shape.join()) {
      throw new Error(`${BERNOULLI_VALUE_KERNEL}: x must be float32 with a shape that ends the logits' shape`);
    }
    const d = logits.shape[logits.shape.length - 1];
    const value = b.makeOutput(logits.shape.slice(0, -1), 'float32');
    const offset = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    const rows = product(logits.shape.slice(0, -1));
    const xRows = product(x.shape.slice(0, -1));
    if (rows > 0 && xRows > 0) native.bernoulliValue(memory.buffer, offset(logits), offset(x), rows, xRows, d, offset(value));
    return value;
  };
}

/**
 * A gradient computed element by element from dy and one saved tensor of its
 * shape (`saved`: y, an activation's output, or x, its input): RELU_GRAD_KERNEL,
 * TANH_GRAD_KERNEL, CLIP_GRAD_KERNEL.
 */
function elementwiseGradKernel(name: string, saved: 'x' | 'y',
  run: (memory: ArrayBuffer, dy: number, other: number, out: number, size: number, attrs: tf.NamedAttrMap) => void, memory: { buffer: ArrayBuffer }): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const b = backend as unknown as WasmBackendInternals;
    const { dy, [saved]: other } = inputs as Record<string, tf.TensorInfo>;
    if (dy.dtype !== 'float32' || other.dtype !== 'float32' || dy.shape.join() !== other.shape.join()) throw new Error(`${name}: dy and ${saved} must be float32 tensors of one shape`);
    const offset = (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
    const out = b.makeOutput([...dy.shape], 'float32');
    run(memory.buffer, offset(dy), offset(other), offset(out), product(dy.shape), attrs ?? {});
    return out;
  };
}

/**
 * Rows of x's last axis and of the parameters' (μ's) when μ is x's shape or
 * ends it: [rows, prows, d], or null when the shapes do not fit.
 */
function gaussRows(x: tf.TensorInfo, params: tf.TensorInfo[]): [number, number, number] | null {
  const p = params[0];
  if ([x, ...params].some((t) => t.dtype !== 'float32') || params.some((t) => t.shape.join() !== p.shape.join())) return null;
  if (p.shape.length < 1 || p.shape.length > x.shape.length || x.shape.slice(x.shape.length - p.shape.length).join() !== p.shape.join()) return null;
  const d = x.shape[x.shape.length - 1];
  return [product(x.shape.slice(0, -1)), product(p.shape.slice(0, -1)), d];
}

function gaussianKernels(native: NativeKernels, memory: { buffer: ArrayBuffer }): [string, KernelFunc][] {
  const fail = (name: string): never => {
    throw new Error(`${name}: float32 tensors whose parameters' shape ends the data's shape`);
  };
  const setup = (backend: unknown) => {
    const b = backend as WasmBackendInternals;
    return { b, offset: (t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset };
  };
  return [
    [GAUSSIAN_SAMPLE_KERNEL, ({ inputs, backend }) => {
      const { loc, logVar, eps } = inputs as Record<string, tf.TensorInfo>;
      const { b, offset } = setup(backend);
      const shape = gaussRows(eps, [loc, logVar]) ?? fail(GAUSSIAN_SAMPLE_KERNEL);
      const z = b.makeOutput([...eps.shape], 'float32');
      if (shape[0] > 0 && shape[1] > 0) native.gaussSample(memory.buffer, offset(loc), offset(logVar), offset(eps), ...shape, offset(z));
      return z;
    }],
    [GAUSSIAN_SAMPLE_GRAD_KERNEL, ({ inputs, backend }) => {
      const { dz, z, loc } = inputs as Record<string, tf.TensorInfo>;
      const { b, offset } = setup(backend);
      const shape = (dz.shape.join() === z.shape.join() ? gaussRows(z, [loc]) : null) ?? fail(GAUSSIAN_SAMPLE_GRAD_KERNEL);
      const dlv = b.makeOutput([...z.shape], 'float32');
      if (shape[0] > 0 && shape[1] > 0) native.gaussSampleGrad(memory.buffer, offset(dz), offset(z), offset(loc), ...shape, offset(dlv));
      return dlv;
    }],
    [GAUSSIAN_KL_KERNEL, ({ inputs, backend }) => {
      const { loc, logVar } = inputs as Record<string, tf.TensorInfo>;
      const { b, offset } = setup(backend);
      const [rows, , d] = (loc.shape.join() === logVar.shape.join() ? gaussRows(loc, [logVar]) : null) ?? fail(GAUSSIAN_KL_KERNEL);
      const value = b.makeOutput(loc.shape.slice(0, -1), 'float32');
      if (rows > 0) native.gaussKl(memory.buffer, offset(loc), offset(logVar), rows, d, offset(value));
      return value;
    }],
    [GAUSSIAN_KL_GRAD_KERNEL, ({ inputs, backend }) => {
      const { dkl, loc, logVar } = inputs as Record<string, tf.TensorInfo>;
      const { b, offset } = setup(backend);
      const fits = loc.shape.join() === logVar.shape.join() && dkl.dtype === 'float32' && dkl.shape.join() === loc.shape.slice(0, -1).join();
      const [rows, , d] = (fits ? gaussRows(loc, [logVar]) : null) ?? fail(GAUSSIAN_KL_GRAD_KERNEL);
      const outs = [0, 1].map(() => b.makeOutput([...loc.shape], 'float32'));
      if (rows > 0) native.gaussKlGrad(memory.buffer, offset(dkl), offset(loc), offset(logVar), rows, d, offset(outs[0]), offset(outs[1]));
      return outs;
    }],
    [GAUSSIAN_LOG_PROB_KERNEL, ({ inputs, backend, attrs }) => {
      const { x, loc, logVar } = inputs as Record<string, tf.TensorInfo>;
      const { grads } = attrs as unknown as { grads: boolean };
      const { b, offset } = setup(backend);
      const shape = gaussRows(x, [loc, logVar]) ?? fail(GAUSSIAN_LOG_PROB_KERNEL);
      const value = b.makeOutput(x.shape.slice(0, -1), 'float32');
      const outs = grads ? [0, 1].map(() => b.makeOutput([...x.shape], 'float32')) : [];
      if (shape[0] > 0 && shape[1] > 0) {
        native.gaussLogProb(memory.buffer, offset(x), offset(loc), offset(logVar), ...shape, offset(value), grads ? offset(outs[0]) : -1, grads ? offset(outs[1]) : -1);
      }
      return [value, ...outs];
    }],
  ];
}

/**
 * Wraps the backend's Exp (native engine): float32 tensors of 1,024 values
 * or more go to the native expf, on the pool (the wasm kernel's expf takes
 * 14–24 ns a value on one thread: 1.5 ms of a 29 ms VampPrior step, whose
 * mixture density exponentiates [batch, 500] twice). Same values; smaller
 * tensors and other dtypes stay on the wasm kernel.
 */
function nativeExpKernel(original: KernelFunc, native: NativeKernels, memory: { buffer: ArrayBuffer }): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Record<string, tf.TensorInfo>;
    if (!x || x.dtype !== 'float32' || product(x.shape) < 1024) return original(args);
    const backend = args.backend as unknown as WasmBackendInternals;
    const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    const out = backend.makeOutput([...x.shape], 'float32');
    native.exp(memory.buffer, offset(x), offset(out), product(x.shape));
    return out;
  };
}

/**
 * Wraps the backend's Sum: a float32 reduction over leading axes — every axis
 * but the last (a bias gradient: [batch, units] → [units]) or any leading
 * run of them (a batch's parameters broadcast over K samples: [K, batch, d] →
 * [batch, d]) — runs as one pass of column sums over the trailing axes taken
 * as one, instead of TF.js's transpose-then-reduce; everything else is
 * unchanged.
 */
function columnSumKernel(original: tf.KernelConfig['kernelFunc'], exports: Exports): tf.KernelConfig['kernelFunc'] {
  return (args) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>).x;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    const lead = axes.length;
    if (x.dtype !== 'float32' || rank < 2 || lead < 1 || lead > rank - 1 || axes.some((a, i) => a !== i)) return original(args);
    const b = args.backend as unknown as WasmBackendInternals;
    const kept = x.shape.slice(lead);
    const cols = product(kept);
    const rows = product(x.shape.slice(0, lead));
    const out = b.makeOutput(keepDims ? [...x.shape.slice(0, lead).map(() => 1), ...kept] : kept, 'float32');
    if (cols > 0) exports.colsum(b.dataIdMap.get(x.dataId).memoryOffset, b.dataIdMap.get(out.dataId).memoryOffset, rows, cols);
    return out;
  };
}

/**
 * A float32 matrix product on kernels/gemm.wat, or null when the arguments
 * are outside what it covers (batched products, PReLU or other activations,
 * other dtypes): the caller then uses TF.js's kernel. Transposed operands are
 * read in place through strides.
 */
function gemmMatMul(args: Parameters<KernelFunc>[0], exports: Exports, scratchFree = false, tanh?: (offset: number, size: number) => void): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { transposeA, transposeB, activation } = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
  if (!a || !b || preluActivationWeights || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (activation !== undefined && activation !== 'linear' && activation !== 'relu' && !(activation === 'tanh' && tanh)) return null;
  if (a.shape.length < 2 || b.shape.length < 2 || product(a.shape.slice(0, -2)) !== 1 || product(b.shape.slice(0, -2)) !== 1) return null;
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const n = transposeB ? rb : cb;
  if ((transposeB ? cb : rb) !== k) return null;
  if (bias && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== n)) return null;
  const backend = args.backend as unknown as WasmBackendInternals & tf.KernelBackend;
  const batch = (a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2);
  const out = backend.makeOutput([...batch, m, n], 'float32');
  const scratch = scratchFree ? null : backend.makeOutput([5 * Math.ceil(m / 5) * k + 8 * k + 1], 'float32');
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [sai, sak] = transposeA ? [4, 4 * m] : [4 * k, 4];
  const [sbk, sbj] = transposeB ? [4, 4 * k] : [4 * n, 4];
  const flags = (bias ? 1 : 0) | (activation === 'relu' ? 2 : 0);
  exports.gemm(offset(a), sai, sak, offset(b), sbk, sbj, offset(out), 4 * n, m, n, k, bias ? offset(bias) : 0, flags, scratch ? offset(scratch) : 0);
  if (scratch) backend.disposeData(scratch.dataId);
  if (activation === 'tanh') tanh?.(offset(out), product(out.shape));
  return out;
}

/**
 * Identity (what tf.clone runs, and what the gradient tape runs on every
 * tensor it saves for the backward pass) as a new reference to the same
 * memory, as TF.js's cpu backend and the wasm backend's own Reshape do; the
 * wasm backend's Identity copies instead (~55 copies per VAE training step,
 * weight matrices among them). Sharing is safe because no wasm kernel writes
 * into its inputs: every result goes to freshly allocated memory, and the
 * optimizer's update in place (`updateInPlace`) skips memory with more than
 * one reference, which a shared identity is.
 */
function sharedIdentity(args: Parameters<KernelFunc>[0]): tf.TensorInfo | null {
  const x = (args.inputs as Record<string, tf.TensorInfo>).x;
  if (x.dtype === 'string') return null;
  (args.backend as tf.KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * Gradient of act(a·b + bias): with g = dy masked where the ReLU was off
 * (y = 0), or dy·(1 − y²) for tanh, ∂a = g·bᵀ, ∂b = aᵀ·g, ∂bias = Σ_rows g — the gradient TF.js
 * uses for its fused product, as lazy per-input functions, so the tape skips
 * ∂a when a is data.
 */
function registerMatMulGradient(): void {
  tf.registerGradient({
    kernelName: MATMUL_KERNEL,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved;
      const { transposeA, transposeB, activation } = attrs as unknown as { transposeA?: boolean; transposeB?: boolean; activation?: string };
      if (transposeA || transposeB) throw new Error(`${MATMUL_KERNEL}: gradients of transposed products are not implemented`);
      const g = activation === 'tanh' ? (tf.engine().runKernel(TANH_GRAD_KERNEL, { dy: dy as tf.Tensor, y }) as tf.Tensor)
        : activation !== 'relu' ? (dy as tf.Tensor)
        : hasFusedKernel(RELU_GRAD_KERNEL) ? (tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: dy as tf.Tensor, y }) as tf.Tensor) : tf.mul(dy as tf.Tensor, tf.step(y));
      return {
        a: () => tf.matMul(g, b, false, true),
        b: () => tf.matMul(a, g, true, false),
        bias: () => tf.sum(g, [...Array(g.rank - 1).keys()]),
      };
    },
  });
}

/**
 * Gradient of the Bernoulli kernels' value v = Σ_d x·l − softplus(l): ∂l =
 * dv·(x − σ(l)), the kernel's second output, and ∂x = dv·l, summed over the
 * leading axes x was broadcast over. As lazy per-input functions, so the tape
 * does not compute ∂x when x is data (the batch of a likelihood, the usual
 * case; a custom gradient computes every input's).
 */
function registerBernoulliGradients(): void {
  for (const kernelName of [BERNOULLI_KERNEL, BERNOULLI_BROADCAST_KERNEL]) {
    tf.registerGradient({
      kernelName,
      // The residual comes from no kernel, so the tape never asks for its gradient.
      inputsToSave: ['logits', 'x', 'residual'],
      gradFunc: (dy, saved) => {
        const [logits, x, residual] = saved;
        const dv = tf.expandDims(dy as tf.Tensor, -1);
        const lead = [...Array(logits.rank - x.rank).keys()];
        return {
          logits: () => tf.mul(dv, residual),
          x: () => (lead.length ? tf.sum(tf.mul(dv, logits), lead) : tf.mul(dv, logits)),
        };
      },
    });
  }
}

/** Registers `config` under its name and backend, replacing what is there. */
function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** The backend's own kernel `name` as it was before LatentLab wrapped it. */
function originalKernel(name: string, backendName: string): tf.KernelConfig | undefined {
  const key = `${backendName}/${name}`;
  if (!originals.has(key)) {
    const config = tf.getKernel(name, backendName);
    if (config) originals.set(key, config);
  }
  return originals.get(key);
}

/**
 * Instantiates the kernels against the active wasm backend's memory and
 * registers them; with `native`, the native engine's kernels take the place
 * of the wasm ones of the same names. Calling it again with the other engine
 * switches engines. Returns false (and registers nothing) when the backend is
 * not wasm or does not expose its memory.
 */
export function installWasmKernels(backendName = 'wasm', native?: NativeKernels): boolean {
  const engine = native ? 'native' : 'wasm';
  if (installed.get(backendName) === engine) return true;
  if (tf.getBackend() !== backendName) return false;
  const internals = tf.backend() as unknown as Partial<WasmBackendInternals>;
  const memory = internals.wasm?.asm?.memory as { buffer: ArrayBuffer } | undefined;
  if (!memory || !internals.dataIdMap || !internals.makeOutput) return false;
  const replaced = native ? nativeExports(native, memory) : {};
  const load = (name: string): Exports => ({
    ...(new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(KERNEL_BINARIES[name])), { env: { memory } }).exports as Exports),
    ...Object.fromEntries(Object.entries(replaced).filter(([fn]) => fn === name)),
  });
  replaceKernel({ kernelName: ADAM_KERNEL, backendName, kernelFunc: adamKernel(load('adam')) });
  const bernoulliExports = load('bernoulli');
  replaceKernel({ kernelName: BERNOULLI_KERNEL, backendName, kernelFunc: bernoulliKernel(bernoulliExports) });
  // Kernels the wasm engine does not have: the callers fall back to TF.js ops there.
  const nativeOnly: [string, KernelFunc | undefined][] = [
    [SGD_KERNEL, native && sgdKernel(native, memory)],
    [RELU_GRAD_KERNEL, native && elementwiseGradKernel(RELU_GRAD_KERNEL, 'y', (m, dy, y, out, n) => native.reluGrad(m, dy, y, out, n), memory)],
    [TANH_GRAD_KERNEL, native && elementwiseGradKernel(TANH_GRAD_KERNEL, 'y', (m, dy, y, out, n) => native.tanhGrad(m, dy, y, out, n), memory)],
    [CLIP_GRAD_KERNEL, native && elementwiseGradKernel(CLIP_GRAD_KERNEL, 'x', (m, dy, x, out, n, a) => {
      const { clipValueMin, clipValueMax } = a as unknown as { clipValueMin: number; clipValueMax: number };
      native.clipGrad(m, dy, x, clipValueMin, clipValueMax, out, n);
    }, memory)],
    [BERNOULLI_VALUE_KERNEL, native && bernoulliValueKernel(native, memory)],
    [BERNOULLI_BROADCAST_KERNEL, native && bernoulliKernel(bernoulliExports, { kernels: native, memory })],
    ...(native ? gaussianKernels(native, memory) : GAUSSIAN_KERNELS.map((name): [string, undefined] => [name, undefined])),
  ];
  for (const [kernelName, kernelFunc] of nativeOnly) {
    if (kernelFunc) replaceKernel({ kernelName, backendName, kernelFunc });
    else if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  }
  const gemm = load('gemm');
  const scratchFree = native !== undefined;
  // tanh over a product's output, in place (native engine only).
  const tanh = native && ((at: number, size: number) => native.tanh(memory.buffer, at, at, size));
  replaceKernel({
    kernelName: MATMUL_KERNEL, backendName,
    kernelFunc: (args) => {
      const out = gemmMatMul(args, gemm, scratchFree, tanh);
      if (!out) throw new Error(`${MATMUL_KERNEL}: unsupported arguments (batched, or an activation other than linear/relu${tanh ? '/tanh' : ''})`);
      return out;
    },
  });
  if (!installed.has(backendName)) {
    registerMatMulGradient();
    registerBernoulliGradients();
  }
  registerWasmConvKernels(backendName, { ...gemm, ...load('conv') }, scratchFree);
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const config = originalKernel(name, backendName);
    if (!config) continue;
    replaceKernel({ ...config, kernelFunc: (args) => gemmMatMul(args, gemm, scratchFree) ?? config.kernelFunc(args) });
  }
  const identity = originalKernel('Identity', backendName);
  if (identity) replaceKernel({ ...identity, kernelFunc: (args) => sharedIdentity(args) ?? identity.kernelFunc(args) });
  const sum = originalKernel('Sum', backendName);
  if (sum) replaceKernel({ ...sum, kernelFunc: columnSumKernel(sum.kernelFunc, load('colsum')) });
  const exp = originalKernel('Exp', backendName);
  if (exp) replaceKernel({ ...exp, kernelFunc: native ? nativeExpKernel(exp.kernelFunc, native, memory) : exp.kernelFunc });
  inPlace = native ? { backendName, native, memory } : inPlace?.backendName === backendName ? undefined : inPlace;
  installed.set(backendName, engine);
  return true;
}

/** The engine whose kernels are installed for `backendName`, if any. */
export function installedEngine(backendName = tf.getBackend()): 'wasm' | 'native' | undefined {
  return installed.get(backendName);
}

/** True when a gradient is being recorded (inside tf.grad / valueAndGrads): fused ops then also compute what their backward pass needs. */
export function recordingGradients(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * True when the fused kernel `name` (ADAM_KERNEL, BERNOULLI_KERNEL,
 * MATMUL_KERNEL) is registered for the active backend, whichever engine
 * provides it; callers fall back to ordinary TF.js ops when it is not.
 */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
