/**
 * What the named terms of an objective mean: a label for people and a unit.
 * Reconstruction, KL and −ELBO are in nats per example; a discriminator's
 * and a generator's losses are binary cross-entropies (about log 2 ≈ 0.69
 * at equilibrium), which belong on an axis of their own; 'mmd' is a squared
 * maximum mean discrepancy under the family's kernel (no unit; 0 when the
 * codes' distribution matches the prior), small numbers on an axis of their own too.
 */
export type TermUnit = 'nats' | 'cross-entropy' | 'fraction' | 'mmd';

export interface TermInfo {
  readonly label: string;
  readonly unit: TermUnit;
  /** Decimals to print (2 when absent): a term of order 1e-3 needs more. */
  readonly digits?: number;
}

/** A family's terms: the one to headline (what "loss" means for it) and every term it reports. */
export interface FamilyTerms {
  readonly headline: string;
  /** Terms headlined in its place when an objective of the family reports them instead (the VAE's −L_K when it trains the importance-weighted bound). */
  readonly alternates?: readonly string[];
  readonly info: Readonly<Record<string, TermInfo>>;
}
