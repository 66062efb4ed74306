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

function wrap(original: KernelFunc, transpose: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
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
