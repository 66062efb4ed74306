/**
 * An optimizer's state as data: the step count and, per variable (in the
 * optimizer's variable order), its named state tensors — Adam's moments
 * `m` and `v`, SGD's `velocity`. Saved in checkpoints as `<i>/<slot>`.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface OptimizerState {
  /** Steps taken so far. */
  readonly step: number;
  /** Per variable, its state tensors by slot name. */
  readonly slots: readonly Readonly<Record<string, tf.Tensor>>[];
}

/** Disposes every tensor of a state (getState returns copies). */
export function disposeOptimizerState(state: OptimizerState): void {
  tf.dispose(state.slots.flatMap((s) => Object.values(s)));
}

/** Throws unless `state` fits `variables` and holds exactly the `slots` an optimizer (`name`) keeps. */
export function checkState(state: OptimizerState, variables: readonly tf.Variable[], slots: readonly string[], name: string): void {
  if (state.slots.length !== variables.length) {
    throw new Error(`optimizer state has ${state.slots.length} variables, the model has ${variables.length}`);
  }
  state.slots.forEach((held, i) => {
    const names = Object.keys(held).sort();
    if (names.join(',') !== [...slots].sort().join(',')) {
      throw new Error(`optimizer state holds ${names.join(', ') || 'nothing'} for variable ${i}; ${name} keeps ${slots.join(', ')} (was the run trained with another optimizer?)`);
    }
    for (const slot of slots) {
      const shape = held[slot].shape;
      if (shape.join('x') !== variables[i].shape.join('x')) {
        throw new Error(`optimizer state ${i}/${slot} has shape [${shape}], the variable has [${variables[i].shape}]`);
      }
    }
  });
}
