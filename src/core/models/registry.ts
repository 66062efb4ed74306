/**
 * Model families by `config.model`: how to build the model from its config
 * (or around loaded networks), which training phases it has, and what its
 * evaluation objective is. Chosen from a typed table, never by name checks.
 */
import type { Config } from '../config/schema.js';
import { aaeFamily } from '../families/aae.js';
import { clusteringAaeFamily, semiSupervisedAaeFamily } from '../families/categorical-aae.js';
import type { ModelFamily } from '../families/types.js';
import { vaeFamily } from '../families/vae.js';
import { waeFamily } from '../families/wae.js';
import type { PriorResources } from '../priors/index.js';
import type { TermInfo } from './terms.js';
import type { Autoencoder } from './types.js';
import { checkDataShape } from './data-shape.js';

export type { ModelFamily, TrainingSchedule } from '../families/types.js';

/** Every family, by `config.model`: adding a family is a file under families/, its entry in the config union, and a line here. */
export const modelFamilies = {
  vae: vaeFamily,
  aae: aaeFamily,
  wae: waeFamily,
  'semi-supervised-aae': semiSupervisedAaeFamily,
  'clustering-aae': clusteringAaeFamily,
} satisfies Record<Config['model'], ModelFamily>;

/** What a term reported by any family means (a term no family declares is taken as nats). */
export function termInfo(name: string): TermInfo {
  for (const family of Object.values(modelFamilies)) {
    const info = (family.terms.info as Record<string, TermInfo>)[name];
    if (info) return info;
  }
  return { label: name, unit: 'nats' };
}

/** The term to headline among `terms` (a record of metrics.jsonl): the family's when it is there. */
export function headlineTerm(terms: Readonly<Record<string, number>>): { key: string; label: string } {
  for (const family of Object.values(modelFamilies)) {
    for (const key of [family.terms.headline, ...(family.terms.alternates ?? [])]) {
      if (key in terms) return { key, label: family.terms.info[key].label };
    }
  }
  const key = Object.keys(terms)[0] ?? 'loss';
  return { key, label: key };
}

/** The family for a config's model kind. */
export function modelFamily(config: Config): ModelFamily {
  return modelFamilies[config.model];
}

/** Builds a fresh model for a config and examples of `dataShape` ([H, W], [H, W, C] or [D]), initialised from its seed. */
export function buildModel(config: Config, dataShape: readonly number[], resources?: PriorResources): Autoencoder {
  const family = modelFamily(config);
  const shape = checkDataShape(dataShape);
  return family.create(config, shape, family.buildNets(config, shape), resources);
}
