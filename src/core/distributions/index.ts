export type { Distribution, SampleOptions } from './types.js';
export { DiagNormal, StandardNormal, LOG_2PI } from './normal.js';
export { Bernoulli } from './bernoulli.js';
export { DiscretizedLogistic } from './discretized-logistic.js';
export { ContinuousBernoulli } from './continuous-bernoulli.js';
export { PointMass } from './point-mass.js';
export { klDivergence, monteCarloKl, registerKl, hasAnalyticKl, type KlFn, type KlOptions } from './kl.js';
export { Categorical } from './categorical.js';
