/**
 * Adam (Kingma & Ba 2015) over an explicit list of variables, with the bias
 * corrections folded into two scalars so each step is a dozen element-wise
 * kernels per variable:
 *
 *   m ← m + (1−β₁)(g − m)          v ← v + (1−β₂)(g² − v)
 *   w ← w − α_t · m / (√v + ε_t),  α_t = α·√(1−β₂ᵗ)/(1−β₁ᵗ),  ε_t = ε·√(1−β₂ᵗ)
 *
 * which is algebraically PyTorch's update w ← w − α/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
 * tf.train.adam computes the same thing in roughly twice the kernels.
 *
 * State is keyed by position in the variable list (not by TF.js variable
 * names, which depend on how many models a process created), so a checkpoint
 * restores into freshly built networks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_KERNEL, hasFusedKernel, updateInPlace } from '../engine/wasm-kernels.js';
import { checkState, type OptimizerState } from './optimizer-state.js';

export interface AdamSpec {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export type { OptimizerState } from './optimizer-state.js';

export class Adam {
  /** The names of the per-variable state tensors (first and second moments). */
  static readonly slots = ['m', 'v'] as const;
  private step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(readonly variables: readonly tf.Variable[], readonly spec: AdamSpec) {
    // In a tidy: the zeros a variable is made from would otherwise outlive it (a tensor of its own on the same data).
    this.m = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));
    this.v = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));
  }

  /**
   * Applies one update from gradients given in the order of `variables`;
   * `learningRate` overrides the spec's for this step (a schedule).
   */
  apply(grads: readonly (tf.Tensor | undefined)[], learningRate = this.spec.learningRate): void {
    const { beta1, beta2, epsilon } = this.spec;
    this.step++;
    const c2 = Math.sqrt(1 - beta2 ** this.step);
    const alpha = (learningRate * c2) / (1 - beta1 ** this.step);
    const fused = hasFusedKernel(ADAM_KERNEL);
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        const g = grads[i];
        if (!g) return; // the loss does not reach this variable
        const m = this.m[i];
        const v = this.v[i];
        if (fused) {
          // One pass over memory (engine/kernels/adam.wat) instead of a dozen kernels.
          const attrs = { c1: 1 - beta1, c2: 1 - beta2, alpha, eps: epsilon * c2 };
          // On the native engine, over w, m and v themselves where nothing else shares them.
          if (updateInPlace('adam', { w, g, m, v }, attrs)) return;
          const [w2, m2, v2] = tf.engine().runKernel(ADAM_KERNEL, { w, g, m, v }, attrs) as tf.Tensor[];
          m.assign(m2);
          v.assign(v2);
          w.assign(w2);
          return;
        }
        m.assign(tf.add(m, tf.mul(tf.sub(g, m), 1 - beta1)));
        v.assign(tf.add(v, tf.mul(tf.sub(tf.square(g), v), 1 - beta2)));
        w.assign(tf.sub(w, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon * c2)), alpha)));
      });
    });
  }

  /** A copy of the state (caller disposes the tensors). */
  getState(): OptimizerState {
    return { step: this.step, slots: this.m.map((m, i) => ({ m: m.clone(), v: this.v[i].clone() })) };
  }

  /** Restores a state saved by getState (shapes must match the variables). */
  setState(state: OptimizerState): void {
    checkState(state, this.variables, Adam.slots, 'Adam');
    state.slots.forEach(({ m, v }, i) => {
      this.m[i].assign(m);
      this.v[i].assign(v);
    });
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
