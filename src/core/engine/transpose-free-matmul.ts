/**
 * Route transposed matrix products through the fast, untransposed kernel.
 *
 * TF.js's wasm backend hands `matMul(a, b, transposeA, transposeB)` to
 * XNNPACK only when neither operand is transposed; otherwise it takes a
 * generic loop at ~2-3 GFLOP/s instead of ~25-35. Every backward pass of a
 * dense layer needs `dyᵀ·…` or `…·Wᵀ`, so training spends most of its time
 * there. Materialising the transpose first (a memory copy, far cheaper than
 * the slow product) and calling the kernel with both flags false is
 * mathematically identical and ~10× faster for MLP shapes.
 *
 * The patch wraps the registered `BatchMatMul` and `_FusedMatMul` kernels of
 * one backend, so layers, gradients and user code all benefit. Idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';

type KernelFunc = tf.KernelConfig['kernelFunc'];
const patched = new Set<string>();

/** Transposes the last two axes of `x` with the backend's own Transpose kernel. */
function transposeLastTwo(x: tf.TensorInfo, backend: tf.KernelBackend, transpose: KernelFunc): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

const size = (x: tf.TensorInfo): number => x.shape.reduce((p, d) => p * d, 1);
const rows = (x: tf.TensorInfo): number => x.shape[x.shape.length - 2];

/**
 * `a·bᵀ` computed as `(b·aᵀ)ᵀ` when b is the larger operand: XNNPACK treats
 * the right operand as weights and repacks it on every call (its cache is
 * keyed by tensor id, and training makes new tensors each step), so it is
 * cheaper to transpose and pack the small `a` (e.g. dy [128,784]) and the
 * small result than the large `b` (a weight matrix [400,784] in a dense
 * layer's backward pass). Only for unbatched products without bias or
 * activation; the result is the same dot products (equal up to float rounding).
 */
function swappedTransposeB(args: Parameters<KernelFunc>[0], original: KernelFunc, transpose: KernelFunc): tf.TensorInfo | null {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as Record<string, unknown>;
  if (attrs.transposeA || !attrs.transposeB || args.inputs.bias || (attrs.activation && attrs.activation !== 'linear')) return null;
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== 1 || b.shape[0] !== 1) return null;
  if (rows(b) <= rows(a) || size(b) <= size(a)) return null;
  const backend = args.backend as tf.KernelBackend;
  const at = transposeLastTwo(a, backend, transpose);
  const outT = original({ ...args, inputs: { ...args.inputs, a: b, b: at }, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
  const out = transposeLastTwo(outT, backend, transpose);
  backend.disposeData(at.dataId);
  backend.disposeData(outT.dataId);
  return out;
}

function wrap(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const swapped = swappedTransposeB(args, original, transpose);
    if (swapped) return swapped;
    const backend = args.backend as tf.KernelBackend;
    const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
    const temporaries: tf.TensorInfo[] = [];
    if (attrs.transposeA) temporaries.push((inputs.a = transposeLastTwo(inputs.a, backend, transpose)));
    if (attrs.transposeB) temporaries.push((inputs.b = transposeLastTwo(inputs.b, backend, transpose)));
    const out = original({ ...args, inputs, attrs: { ...attrs, transposeA: false, transposeB: false } });
    for (const t of temporaries) backend.disposeData(t.dataId);
    return out;
  };
}

/**
 * Installs the transpose-free matMul kernels on `backendName` (default
 * `wasm`). Returns false when the backend has no such kernels registered.
 */
export function installTransposeFreeMatMul(backendName = 'wasm'): boolean {
  if (patched.has(backendName)) return true;
  const transpose = tf.getKernel('Transpose', backendName)?.kernelFunc;
  if (!transpose) return false;
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const config = tf.getKernel(name, backendName);
    if (!config) continue;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrap(config.kernelFunc, transpose) });
  }
  patched.add(backendName);
  return true;
}
