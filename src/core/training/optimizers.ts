import type * as tf from '@tensorflow/tfjs-core';
import type { Config } from '../config/schema.js';
import { Adam } from './adam.js';

type OptimizerSpec = Config['train']['optimizer'];

/** What the trainer needs of an optimizer: one update over its own variables. */
export type Optimizer = Adam;

/** Builds the optimizer a spec describes, over exactly `variables`. */
export function createOptimizer(spec: OptimizerSpec, variables: readonly tf.Variable[]): Optimizer {
  const factories = {
    adam: (s: OptimizerSpec) => new Adam(variables, s),
  } satisfies Record<OptimizerSpec['kind'], (s: OptimizerSpec) => Optimizer>;
  return factories[spec.kind](spec);
}
