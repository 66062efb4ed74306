/**
 * Stochastic gradient descent with momentum, as PyTorch's torch.optim.SGD
 * (dampening 0), over an explicit list of variables:
 *
 *   v ← μ·v + g                         (the velocity; v = g at the first step)
 *   w ← w − α·v                         (heavy ball), or
 *   w ← w − α·(g + μ·v)                 (Nesterov)
 *
 * The adversarial autoencoder paper trains every phase this way
 * (Makhzani et al. 2015, appendix).
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkState, type OptimizerState } from './optimizer-state.js';
import { hasFusedKernel, SGD_KERNEL, updateInPlace } from '../engine/wasm-kernels.js';

export interface SgdSpec {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
}

export class Sgd {
  static readonly slots = ['velocity'] as const;
  private step = 0;
  private readonly velocity: tf.Variable[];

  constructor(readonly variables: readonly tf.Variable[], readonly spec: SgdSpec) {
    this.velocity = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));   // see Adam's constructor
  }

  /** One update from gradients in the order of `variables`; `learningRate` overrides the spec's for this step. */
  apply(grads: readonly (tf.Tensor | undefined)[], learningRate = this.spec.learningRate): void {
    const { momentum, nesterov } = this.spec;
    const first = this.step === 0;
    this.step++;
    const fused = hasFusedKernel(SGD_KERNEL);
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        const g = grads[i];
        if (!g) return; // the loss does not reach this variable
        if (momentum === 0) {
          w.assign(tf.sub(w, tf.mul(g, learningRate)));
          return;
        }
        const v = this.velocity[i];
        if (fused) {
          // One pass over memory on the native engine (engine/wasm-kernels.ts SGD_KERNEL), over w and v themselves where nothing else shares them.
          const attrs = { momentum, lr: learningRate, nesterov, first };
          if (updateInPlace('sgd', { w, g, v }, attrs)) return;
          const [w2, v2] = tf.engine().runKernel(SGD_KERNEL, { w, g, v }, attrs) as tf.Tensor[];
          v.assign(v2);
          w.assign(w2);
          return;
        }
        const next = first ? g : tf.add(tf.mul(v, momentum), g);
        v.assign(next);
        const direction = nesterov ? tf.add(g, tf.mul(next, momentum)) : next;
        w.assign(tf.sub(w, tf.mul(direction, learningRate)));
      });
    });
  }

  getState(): OptimizerState {
    return { step: this.step, slots: this.velocity.map((v) => ({ velocity: v.clone() })) };
  }

  setState(state: OptimizerState): void {
    checkState(state, this.variables, Sgd.slots, 'SGD');
    state.slots.forEach(({ velocity }, i) => this.velocity[i].assign(velocity));
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose(this.velocity);
  }
}
