/**
 * Priors p(z) as objects, built from a spec tagged with `kind` through a
 * typed factory table. Every prior can `sample({seed, n})` → [n, dim]; those
 * with a density also give `logProb(z)` (a VAE needs it; an AAE needs only
 * samples). A spec that does not fit the latent dimension is a ConfigError.
 */
import { ConfigError } from '../config/resolve.js';
import type { PriorSpec } from '../config/schema.js';
import { StandardNormal } from '../distributions/normal.js';
import { GaussianMixture } from './mixture.js';
import { EmpiricalPrior } from './samples.js';
import { SwissRoll, UniformBox } from './shapes.js';
import type { Prior, PriorResources } from './types.js';
import { VampPrior } from './vamp.js';

export type { ComponentPrior, Prior, PriorResources } from './types.js';
export { isComponentPrior } from './types.js';
export { EmpiricalPrior } from './samples.js';
export { GaussianMixture } from './mixture.js';
export { SwissRoll, UniformBox } from './shapes.js';
export { buildPseudoInputs, PSEUDO_INPUTS_NET, VampPrior } from './vamp.js';

type PriorKind = PriorSpec['kind'];
type Factory<K extends PriorKind> = (spec: Extract<PriorSpec, { kind: K }>, dim: number, resources: PriorResources) => Prior;

function invalid(message: string): never {
  throw new ConfigError('prior', [message]);
}

const factories: { [K in PriorKind]: Factory<K> } = {
  'standard-normal': (_spec, dim) => new StandardNormal(dim),
  'gaussian-mixture': (spec, dim) => {
    if (!spec.means) {
      if (dim < 2) invalid(`gaussian-mixture: the circle layout needs a latent of at least 2 dimensions (latentDim is ${dim}); give "means" for 1-D`);
      return GaussianMixture.circle(spec.components, spec.radius, spec.std, dim);
    }
    const bad = spec.means.findIndex((m) => m.length !== dim);
    if (bad >= 0) invalid(`gaussian-mixture: means[${bad}] has ${spec.means[bad].length} coordinates, the latent has ${dim} dimensions`);
    return new GaussianMixture(spec.means, spec.std);
  },
  'swiss-roll': (spec, dim) => {
    if (dim !== 2) invalid(`swiss-roll is a 2-D prior; latentDim is ${dim}`);
    return new SwissRoll(spec.noise, spec.components);
  },
  uniform: (spec, dim) => new UniformBox(dim, spec.halfWidth),
  samples: (spec, dim, { samples }) => {
    if (!samples) invalid(`samples: the samples of ${spec.file} were not loaded (the caller reads the file and passes them in)`);
    if (samples.length === 0 || samples.length % dim !== 0) invalid(`samples: ${spec.file} does not hold rows of ${dim} values (latentDim)`);
    return new EmpiricalPrior(samples, dim);
  },
  vamp: (spec, dim, { vamp }) => {
    if (!vamp) invalid('vamp: the VampPrior is built by a VAE from its encoder and pseudo-inputs (model "vae")');
    const prior = new VampPrior(dim, vamp);
    if (prior.components !== spec.components) invalid(`vamp: the pseudo-inputs net holds ${prior.components} pseudo-inputs, the config asks for ${spec.components}`);
    return prior;
  },
};

/** Builds the prior a spec describes, over `dim` latent dimensions. */
export function createPrior(spec: PriorSpec, dim: number, resources: PriorResources = {}): Prior {
  const factory = factories[spec.kind] as Factory<typeof spec.kind>;
  return factory(spec, dim, resources);
}
