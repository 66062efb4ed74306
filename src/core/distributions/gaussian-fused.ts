/**
 * The diagonal Gaussian's hot paths (the reparameterised sample, the KL to
 * N(0, I) and the log-density) on the native engine's fused kernels: one
 * kernel forward and one backward each, where TF.js would run four to ten
 * element-wise kernels and record each on the gradient tape.
 *
 * Each function returns null when the kernels are not installed (the wasm
 * and cpu engines, the browser) or the shapes are outside them (a log-variance
 * shared by every entry, parameters that do not end the data's shape); the
 * caller then computes the same function with TF.js ops (normal.ts, kl.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  GAUSSIAN_KL_GRAD_KERNEL, GAUSSIAN_KL_KERNEL, GAUSSIAN_LOG_PROB_KERNEL, GAUSSIAN_SAMPLE_GRAD_KERNEL, GAUSSIAN_SAMPLE_KERNEL,
  hasFusedKernel, recordingGradients,
} from '../engine/wasm-kernels.js';

type Saved = (tensors: tf.Tensor[]) => void;
type Op<A extends tf.Tensor[]> = (...args: [...A, Saved]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };
const customGrad = <A extends tf.Tensor[]>(f: Op<A>) => tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: A) => tf.Tensor;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) => tf.engine().runKernel(name, inputs, attrs);

/** float32 throughout, μ and log σ² of one shape, which ends x's shape (x may add leading sample axes). */
function fits(x: tf.Tensor, loc: tf.Tensor, logVar: tf.Tensor): boolean {
  if (x.dtype !== 'float32' || loc.dtype !== 'float32' || logVar.dtype !== 'float32') return false;
  if (loc.rank < 1 || loc.shape.join() !== logVar.shape.join() || loc.rank > x.rank) return false;
  return x.shape.slice(x.rank - loc.rank).join() === loc.shape.join();
}

/** A gradient in x's shape summed over the leading axes the parameters (of `shape`) were broadcast across. */
function reduceTo(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const lead = g.rank - shape.length;
  return lead === 0 ? tf.reshape(g, [...shape]) : tf.sum(g, [...Array(lead).keys()]);
}

/** z = μ + exp(½ log σ²)·ε with ε given (shape [..., batch, d]); gradients flow to μ and log σ². */
export function fusedGaussianSample(loc: tf.Tensor, logVar: tf.Tensor, eps: tf.Tensor): tf.Tensor | null {
  if (!hasFusedKernel(GAUSSIAN_SAMPLE_KERNEL) || !fits(eps, loc, logVar)) return null;
  if (!recordingGradients()) return run(GAUSSIAN_SAMPLE_KERNEL, { loc, logVar, eps }) as tf.Tensor;
  return customGrad<[tf.Tensor, tf.Tensor]>((l, lv, save) => {
    const z = run(GAUSSIAN_SAMPLE_KERNEL, { loc: l, logVar: lv, eps }) as tf.Tensor;
    save([z, l]);
    return {
      value: z,
      gradFunc: (dz, [zs, ls]) => [reduceTo(dz, ls.shape), reduceTo(run(GAUSSIAN_SAMPLE_GRAD_KERNEL, { dz, z: zs, loc: ls }) as tf.Tensor, ls.shape)],
    };
  })(loc, logVar);
}

/** KL(N(μ, σ²) ‖ N(0, I)) summed over the last axis, or null (see the header). */
export function fusedGaussianKl(loc: tf.Tensor, logVar: tf.Tensor): tf.Tensor | null {
  if (!hasFusedKernel(GAUSSIAN_KL_KERNEL) || !fits(loc, loc, logVar)) return null;
  if (!recordingGradients()) return run(GAUSSIAN_KL_KERNEL, { loc, logVar }) as tf.Tensor;
  return customGrad<[tf.Tensor, tf.Tensor]>((l, lv, save) => {
    save([l, lv]);
    return {
      value: run(GAUSSIAN_KL_KERNEL, { loc: l, logVar: lv }) as tf.Tensor,
      gradFunc: (dkl, [ls, lvs]) => run(GAUSSIAN_KL_GRAD_KERNEL, { dkl, loc: ls, logVar: lvs }) as tf.Tensor[],
    };
  })(loc, logVar);
}

/** log N(x; μ, σ²) summed over the last axis, μ and log σ² broadcast over x's leading axes, or null (see the header). */
export function fusedGaussianLogProb(x: tf.Tensor, loc: tf.Tensor, logVar: tf.Tensor): tf.Tensor | null {
  if (!hasFusedKernel(GAUSSIAN_LOG_PROB_KERNEL) || !fits(x, loc, logVar)) return null;
  if (!recordingGradients()) return (run(GAUSSIAN_LOG_PROB_KERNEL, { x, loc, logVar }, { grads: false }) as tf.Tensor[])[0];
  return customGrad<[tf.Tensor, tf.Tensor, tf.Tensor]>((xs, l, lv, save) => {
    const [value, dmu, dlv] = run(GAUSSIAN_LOG_PROB_KERNEL, { x: xs, loc: l, logVar: lv }, { grads: true }) as tf.Tensor[];
    save([dmu, dlv]);
    return {
      value,
      gradFunc: (dy, [a, b]) => {
        const g = tf.expandDims(dy, -1);
        const toLoc = tf.mul(g, a);
        return [tf.neg(toLoc), reduceTo(toLoc, l.shape), reduceTo(tf.mul(g, b), l.shape)];
      },
    };
  })(x, loc, logVar);
}
