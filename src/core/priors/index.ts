/**
 * Priors p(z) as objects. Every prior can `sample({seed, n})` → [n, dim];
 * those with a density also give `logProb(z)` → [n] (a VAE needs it, an
 * AAE needs only samples). Built from a spec tagged with `kind` through a
 * typed factory table.
 */
import { StandardNormal } from '../distributions/normal.js';
import type { Distribution } from '../distributions/types.js';
import type { PriorSpec } from '../config/schema.js';

export type Prior = Distribution;

type PriorKind = PriorSpec['kind'];
type Factory<K extends PriorKind> = (spec: Extract<PriorSpec, { kind: K }>, dim: number) => Prior;

const factories: { [K in PriorKind]: Factory<K> } = {
  'standard-normal': (_spec, dim) => new StandardNormal(dim),
};

/** Builds the prior a spec describes, over `dim` latent dimensions. */
export function createPrior(spec: PriorSpec, dim: number): Prior {
  const factory = factories[spec.kind] as Factory<typeof spec.kind>;
  return factory(spec, dim);
}
