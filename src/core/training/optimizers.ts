/**
 * Optimizers from their specs (a typed table by `kind`), each over an
 * explicit list of variables, with the spec's learning-rate schedule applied
 * by epoch.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { OptimizerSpec } from '../config/schema.js';
import { scheduledLearningRate } from '../config/lr-drop.js';
import { Adam } from './adam.js';
import type { OptimizerState } from './optimizer-state.js';
import { Sgd } from './sgd.js';

/** What the trainer needs of an optimizer: one update over its own variables. */
export interface Optimizer {
  readonly variables: readonly tf.Variable[];
  readonly spec: OptimizerSpec;
  /**
   * One update from gradients in the order of `variables`, during `epoch`
   * (1-based; picks the scheduled rate). A variable whose gradient is
   * undefined (the loss does not depend on it) and its state are left as they are.
   */
  apply(grads: readonly (tf.Tensor | undefined)[], epoch?: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  dispose(): void;
}

export { scheduledLearningRate };

type Engine = Adam | Sgd;
type SpecOf<K extends OptimizerSpec['kind']> = Extract<OptimizerSpec, { kind: K }>;

const engines = {
  adam: (spec: SpecOf<'adam'>, variables: readonly tf.Variable[]) => new Adam(variables, spec),
  sgd: (spec: SpecOf<'sgd'>, variables: readonly tf.Variable[]) => new Sgd(variables, spec),
} satisfies { [K in OptimizerSpec['kind']]: (spec: SpecOf<K>, variables: readonly tf.Variable[]) => Engine };

/** Builds the optimizer a spec describes, over exactly `variables`. */
export function createOptimizer(spec: OptimizerSpec, variables: readonly tf.Variable[]): Optimizer {
  // The table is keyed by kind, so the spec given to each factory is of that kind.
  const engine = (engines[spec.kind] as (s: OptimizerSpec, v: readonly tf.Variable[]) => Engine)(spec, variables);
  return {
    variables,
    spec,
    apply: (grads, epoch = 1) => engine.apply(grads, scheduledLearningRate(spec, epoch)),
    getState: () => engine.getState(),
    setState: (state) => engine.setState(state),
    dispose: () => engine.dispose(),
  };
}
