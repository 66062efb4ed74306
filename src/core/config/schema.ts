/**
 * The run configuration: one zod schema, tagged unions by `kind`, strict
 * objects (an unknown key is an error, not silently ignored), and defaults
 * filled in once by `resolveConfig`, which returns a deeply frozen object.
 */
import { z } from 'zod';

const positiveInt = z.int().positive();

export const ActivationSchema = z.enum(['relu', 'tanh', 'elu', 'sigmoid']);

/**
 * Initialisation of a net's weights and biases. Left out (or `"pytorch"`):
 * PyTorch's default, U(±1/√fan_in) for both. `"he"`: He et al. 2015's
 * uniform initialisation for ReLU nets (PyTorch's kaiming_uniform_),
 * U(±√(6/fan_in)) weights and zero biases, which keeps the signal's scale
 * through deep stacks; conv-colour's four layers need it (presets/README.md).
 * `"glorot"`: Glorot & Bengio 2010's U(±√(6/(fan_in + fan_out))) weights and
 * zero biases, for tanh nets: the IWAE paper's reference code initialises
 * with it.
 */
export const InitSchema = z.enum(['pytorch', 'he', 'glorot']);

export const MlpSchema = z.strictObject({
  /** Hidden layer widths, input side first. */
  hidden: z.array(positiveInt.max(16384)).max(16).default([400]),
  activation: ActivationSchema.default('relu'),
  /** Initialisation (InitSchema); optional, not defaulted, so a stored config resolves as it always did. */
  init: InitSchema.optional(),
});

/**
 * A convolutional net for images ([H, W] or [H, W, C] examples; nets/conv.ts).
 * Encoder: `channels.length` convolutions of `kernel`×`kernel`, stride
 * `stride`, 'same' padding (each shrinks the image by `stride`), flattened,
 * then dense `hidden` layers and the linear heads. Decoder: the mirror image —
 * dense `hidden` layers from z, a dense layer to the smallest feature map,
 * transposed convolutions back up to H×W (cropped where the sizes overshoot).
 */
export const ConvSchema = z.strictObject({
  kind: z.literal('conv'),
  /** Feature maps per convolution, image side first, e.g. [32, 64]. */
  channels: z.array(positiveInt.max(4096)).min(1).max(8).default([32, 64]),
  kernel: positiveInt.max(15).default(4),
  stride: positiveInt.max(4).default(2),
  /** Batch normalisation after each convolution (before its activation). */
  batchNorm: z.boolean().default(false),
  /** Dense widths between the convolutions and the heads (encoder) or z and the first feature map (decoder). */
  hidden: z.array(positiveInt.max(16384)).max(16).default([256]),
  activation: ActivationSchema.default('relu'),
  /** Initialisation (InitSchema); optional, not defaulted. */
  init: InitSchema.optional(),
});

/**
 * An encoder or decoder net: the MLP (no `kind`, as every earlier config
 * writes it, or `"kind": "mlp"`) or a conv net (`"kind": "conv"`). The MLP
 * gains no defaulted field, so a stored config resolves as it always did.
 */
export const NetSchema = z.discriminatedUnion('kind', [MlpSchema.extend({ kind: z.literal('mlp').optional() }), ConvSchema]);

export const LikelihoodSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bernoulli') }),
  /** For 8-bit data (images): the logistic's mass over each value's bin of 1/255 (distributions/discretized-logistic.ts). */
  z.strictObject({ kind: z.literal('discretized-logistic') }),
  /** A density on [0, 1] for each value (distributions/continuous-bernoulli.ts). */
  z.strictObject({ kind: z.literal('continuous-bernoulli') }),
  z.strictObject({
    kind: z.literal('gaussian'),
    /** 'learned': the decoder outputs a per-pixel log-variance; a number: fixed σ². */
    variance: z.union([z.literal('learned'), z.number().positive()]).default('learned'),
  }),
]);

export const PriorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('standard-normal') }),
  /**
   * Mixture of K isotropic Gaussians, equal weights. Without `means`, the
   * components sit evenly on a circle of `radius` in the first two latent
   * dimensions (the AAE paper's 10 Gaussians when K = 10 in 2-D).
   */
  z.strictObject({
    kind: z.literal('gaussian-mixture'),
    components: positiveInt.max(1000).default(10),
    radius: z.number().positive().default(4),
    std: z.number().positive().default(0.5),
    means: z.array(z.array(z.number())).min(1).optional(),
  }),
  /** A 2-D swiss roll of radius ≈ 4 with Gaussian noise; samples only (no density). Label-guided training gives each class one of `components` equal segments. */
  z.strictObject({ kind: z.literal('swiss-roll'), noise: z.number().min(0).default(0.1), components: positiveInt.max(1000).default(10) }),
  /** Uniform on the box [−halfWidth, halfWidth]^d. */
  z.strictObject({ kind: z.literal('uniform'), halfWidth: z.number().positive().default(2) }),
  /** Draws (with replacement) from samples in a file: .npy, .json ([[…], …]) or IDX, shape [n, latentDim]. */
  z.strictObject({ kind: z.literal('samples'), file: z.string().min(1) }),
  /**
   * The VampPrior (Tomczak & Welling 2018), a VAE's prior: the mixture of the
   * encoder's posteriors q(z|u_k) at `components` pseudo-inputs u_k learned
   * with the model (priors/vamp.ts). The paper uses 500 on MNIST.
   */
  z.strictObject({ kind: z.literal('vamp'), components: positiveInt.max(5000).default(500) }),
]);

export const DataSchema = z.strictObject({
  /**
   * 'mnist' (embedded), or a path: a folder of images (class subfolders,
   * train/ and test/), a folder of IDX files, a .npy, .npz or .csv file
   * (src/node/datasets.ts detects which).
   */
  source: z.string().min(1).default('mnist'),
  /** When the source has no test split: the fraction of its examples held out for testing (0.1 when not given). */
  testFraction: z.number().gt(0).lt(1).optional(),
  /** Image folders: scale every image to [height, width]. */
  resize: z.tuple([positiveInt.max(4096), positiveInt.max(4096)]).optional(),
  /** Tables: the header name of the column holding class labels. */
  labelColumn: z.string().min(1).optional(),
  /** A .npy or IDX file of examples: the file of their class labels. */
  labelFile: z.string().min(1).optional(),
  /** Train on the examples of these classes only; the test split keeps every class (one-class anomaly detection). */
  trainClasses: z.array(z.int().min(0)).min(1).max(1000).optional(),
  /** 'dynamic': resample binary pixels x ~ Bernoulli(intensity) for every training batch. */
  binarize: z.enum(['none', 'dynamic']).default('none'),
  /** Use only the first N training / test examples (quick experiments, tests). */
  trainLimit: positiveInt.optional(),
  testLimit: positiveInt.optional(),
});

const learningRate = z.number().positive().max(10);

/**
 * A piecewise-constant learning-rate schedule: from epoch `fromEpoch` on
 * (1-based), the rate is `learningRate`. Empty: the optimizer's own rate
 * throughout. E.g. the AAE paper's drop after 50 epochs:
 * [{"fromEpoch": 51, "learningRate": 0.001}].
 */
export const ScheduleSchema = z.array(z.strictObject({ fromEpoch: positiveInt, learningRate })).max(100).default([]);

export const AdamSchema = z.strictObject({
  kind: z.literal('adam').default('adam'),
  learningRate: learningRate.default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  schedule: ScheduleSchema,
});

/** SGD with (heavy-ball or Nesterov) momentum, as torch.optim.SGD. */
export const SgdSchema = z.strictObject({
  kind: z.literal('sgd'),
  learningRate: learningRate.default(0.01),
  momentum: z.number().min(0).lt(1).default(0.9),
  nesterov: z.boolean().default(false),
  schedule: ScheduleSchema,
});

/** An optimizer, by `kind` ('adam' when not given). */
export const OptimizerSchema = z.discriminatedUnion('kind', [AdamSchema, SgdSchema]);

export const TrainSchema = z.strictObject({
  epochs: positiveInt.max(100000).default(10),
  batchSize: positiveInt.max(65536).default(128),
  optimizer: OptimizerSchema.default(OptimizerSchema.parse({})),
  /** Weight β on the KL term (β-VAE); 1 gives the ELBO. */
  beta: z.number().min(0).default(1),
  /** Linear KL warm-up: β grows from 0 to `beta` over this many epochs (0 = off). */
  klWarmupEpochs: z.number().min(0).default(0),
  /**
   * Gradient clipping: each phase's gradients, taken together, are scaled
   * down to this global L2 norm when they exceed it (off when absent). A
   * guard against the rare huge step that starts a divergence.
   */
  clipGradNorm: z.number().positive().max(1e12).optional(),
});

/**
 * The adversarial autoencoder's extra parts (Makhzani et al. 2015); ignored
 * by a VAE. The reconstruction phase uses `train.optimizer`; the
 * discriminator has its own optimizer.
 *
 * How the encoder learns to fool the discriminator (`generator`):
 *  - 'joint' (default): the generator's loss joins the reconstruction
 *    phase, E[−log p(x|z)] + generatorWeight · E[softplus(−D(z))], under one
 *    optimizer. Why: with Adam, a separate generator phase takes steps of
 *    the same size (its learning rate) however badly the encoder is losing
 *    to D, so nothing pulls the codes back once D pulls ahead; measured on
 *    MNIST (bench/aae-settings.ts, README "The AAE recipe"), D won (generator loss 2 → 9 over ten
 *    epochs) and the codes stopped matching the prior, or, with the phases
 *    at equal rates, the codes churned and the reconstruction rose. In one
 *    objective the generator's gradient grows as D pulls ahead. This is
 *    what the paper's SGD phases do too: plain SGD steps add gradients, so
 *    its rates (0.01 reconstruction, 0.1 regularisation) weight the
 *    generator ten times, which is the default weight here.
 *  - 'separate': a generator phase of its own with `generatorOptimizer`
 *    (the paper's layout; use it with SGD, as the aae-paper preset does).
 * Earlier configs (`discriminatorLearningRate`, `generatorLearningRate`,
 * `beta1`) are read by migrate.ts as the separate phases they described.
 */
export const AdversarialSchema = z.strictObject({
  /** 'deterministic': z = E(x); 'gaussian': z ~ N(μ(x), σ²(x)) through the reparameterisation. */
  encoder: z.enum(['deterministic', 'gaussian']).default('deterministic'),
  /** The discriminator D(z): an MLP on the latent code with one logit out. */
  discriminator: MlpSchema.default({ hidden: [256, 256], activation: 'relu' }),
  /** Discriminator updates per batch, after the reconstruction phase (and before a separate generator phase). */
  discriminatorSteps: positiveInt.max(20).default(2),
  /** The discriminator's optimizer. */
  discriminatorOptimizer: OptimizerSchema.default({ kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, schedule: [] }),
  /** 'joint': the generator's loss joins the reconstruction phase; 'separate': a phase of its own (see above). */
  generator: z.enum(['joint', 'separate']).default('joint'),
  /** 'joint': the weight λ of the generator's loss beside the reconstruction (nats per example). */
  generatorWeight: z.number().min(0).max(1e4).default(10),
  /** 'separate': the generator phase's optimizer (the encoder learning to fool D). */
  generatorOptimizer: OptimizerSchema.default({ kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8, schedule: [] }),
  /**
   * Standard deviation of Gaussian noise added to the encoder's input while
   * training (every phase; never at evaluation), as in the paper's appendix.
   * 0 = none.
   */
  inputNoise: z.number().min(0).max(10).default(0),
});

/**
 * The Wasserstein autoencoder's parts (Tolstikhin, Bousquet, Gelly &
 * Schölkopf 2018, WAE-MMD): the encoder's aggregated posterior q(z) is
 * pulled to the prior by an MMD penalty instead of a discriminator, so the
 * one phase minimises (encoder + decoder, train.optimizer)
 *
 *   E[−log p(x|z)] + mmdWeight · MMD²(q(z), p(z))
 *
 * with the inverse multiquadratic kernel summed over `scales`,
 * k(x, y) = Σ_s C_s / (C_s + ‖x − y‖²), C_s = 2·d·σ²_p·s, estimated without
 * bias from each batch's codes and as many prior samples (metrics/mmd.ts).
 */
export const WaeSchema = z.strictObject({
  /** 'deterministic': z = E(x) (the paper's MNIST set-up); 'gaussian': z ~ N(μ(x), σ²(x)) through the reparameterisation. */
  encoder: z.enum(['deterministic', 'gaussian']).default('deterministic'),
  /**
   * λ, the weight of MMD² beside the reconstruction in nats per example.
   * The paper's λ = 10 weighs a reconstruction cost of 0.05·‖x − x̂‖²; beside
   * −log p(x|z) in nats, whose gradients are tens of times larger, that
   * weight hardly moves the codes: 100 is measured in README "WAE".
   */
  mmdWeight: z.number().min(0).max(1e6).default(100),
  /** The kernel's scales s (C_s = 2·d·σ²_p·s); the paper's code uses these seven. */
  scales: z.array(z.number().positive().max(1e6)).min(1).max(32).default([0.1, 0.2, 0.5, 1, 2, 5, 10]),
  /**
   * σ²_p in C_s: the prior's variance per latent dimension. Left out: the
   * mean variance of the prior's coordinates, measured on 10,000 of its
   * samples (≈ 1 for N(0, I), 8.25 for the 10 Gaussians on a circle of radius 4 in 2-D).
   */
  priorVariance: z.number().positive().max(1e6).optional(),
});

/**
 * The class-and-style code of the semi-supervised and clustering AAEs
 * (Makhzani et al. 2015, §5–6): the encoder gives q(y|x), a softmax over
 * `classes` (clusters), beside a style code z of `latentDim` dimensions; the
 * decoder sees [y, z]; one discriminator matches y to one-hot samples of a
 * uniform categorical, another matches z to the prior. These fields are
 * shared by both models; each adds its own below.
 */
const categoricalCode = (defaults: { classes: number; balanceWeight: number }) => ({
  /** K: the classes of a semi-supervised model, the clusters of a clustering one. */
  classes: z.int().min(2).max(1000).default(defaults.classes),
  /**
   * Generator 'joint': the weights of the style's and the category's
   * generator losses beside the reconstruction (these models do not read
   * adversarial.generatorWeight). Lower than the plain AAE's 10: a strong
   * early push toward one-hot codes saturates the softmax on a few classes
   * before the category discriminator can spread them (measured on four
   * separated blobs, 4 clusters: weights 1 use every cluster with 0 % error;
   * a category weight of 3 or 10 collapsed them to one or two clusters; a
   * style weight of 10 merged two blobs).
   */
  styleWeight: z.number().min(0).max(1e4).default(1),
  categoryWeight: z.number().min(0).max(1e4).default(1),
  /**
   * Weight of KL(ȳ ‖ uniform) of each batch's mean category beside the
   * generator's terms (objectives/categorical-adversarial.ts, balanceLoss):
   * keeps every category in use. 0 is the paper's objective. The clustering
   * AAE's default is 10: on MNIST (16 clusters, 512-512 nets, 20k images,
   * 3 epochs, bench/clustering-balance.ts) the paper's objective put every
   * image in 2 clusters (test error 80 %); weight 1 used 7 (66 %); 3 left 5
   * of 16 nearly empty (46 %); 5, 10 and 30 used all 16 (34, 35, 37 %). On
   * four separated blobs (the known-answer test) 10 clusters perfectly on
   * seeds 1–6 after 40 epochs, where the paper's objective collapsed seeds
   * 1, 3 and 5; on such small data 1–3 get there sooner (15 epochs). The
   * semi-supervised model's labels already spread its classes: 0 there.
   */
  balanceWeight: z.number().min(0).max(1e4).default(defaults.balanceWeight),
});

/** The semi-supervised AAE's code and its labelled examples (§5). */
export const SemiSupervisedSchema = z.strictObject({
  ...categoricalCode({ classes: 10, balanceWeight: 0 }),
  /** Labelled training examples, a fixed, seeded, class-balanced subset (the rest train unlabelled). */
  labelled: positiveInt.default(100),
  /** Examples per step of the classification phase (cross-entropy on labelled examples). */
  labelledBatchSize: positiveInt.max(65536).default(100),
  /** The classification phase's optimizer (it updates the encoder). */
  classifierOptimizer: OptimizerSchema.default({ kind: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, schedule: [] }),
});

/** The clustering AAE's code (§6): K clusters, no labels. */
export const ClusteringSchema = z.strictObject(categoricalCode({ classes: 16, balanceWeight: 10 }));

/**
 * How the model uses the class labels of the data (Makhzani et al. 2015, §2.3 and §5):
 *  - 'none': not at all;
 *  - 'prior' (label-guided AAE): the discriminator also sees the one-hot label
 *    (plus an extra "unlabelled" class), and prior samples for a labelled
 *    example come from the mixture component of its class, so each class is
 *    pushed to its own component. Needs a prior with one component per class.
 *  - 'conditional' (supervised AAE, conditional VAE): the decoder sees the
 *    one-hot label beside z (and a VAE's encoder sees it beside x), so z is
 *    left to carry the style.
 */
export const LabelsSchema = z.strictObject({
  use: z.enum(['none', 'prior', 'conditional']).default('none'),
  /** Number of classes (labels are 0..classes−1); the one-hot vectors have this length. */
  classes: positiveInt.max(1000).default(10),
  /** Label-guided training: the fraction of training examples whose label is shown (a fixed subset, from the seed). */
  fraction: z.number().min(0).max(1).default(1),
});

/**
 * What a VAE trains: the evidence lower bound, or the importance-weighted
 * bound L_K with K samples per example (Burda et al. 2015; objectives/iwae.ts),
 * the bound `eval --iw K` reports. L_K costs K decoder passes per example.
 * `gradient` is the estimator of L_K's gradient for the encoder: absent (or
 * 'standard'), the bound's own; 'dreg', the doubly reparameterised one
 * (Tucker et al. 2019) — the same bound and the same decoder gradient, an
 * encoder gradient with less variance that does not fade as K grows. Absent
 * rather than defaulted, so a run's config.json from before the field
 * keeps its digest.
 */
export const VaeObjectiveSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('elbo') }),
  z.strictObject({ kind: z.literal('iwae'), k: positiveInt.max(5000).default(50), gradient: z.enum(['standard', 'dreg']).optional() }),
]);

/**
 * Stochastic layers between the data and the top latent (of `latentDim`), from
 * the data up: z₁ of `size` values, then the next, … With one entry of size
 * 100 and latentDim 50, q(z₁|x) q(z₂|z₁) and p(z₂) p(z₁|z₂) p(x|z₁) — the
 * IWAE paper's two-stochastic-layer model. `hidden`: the widths of the MLPs
 * of q(z_{l+1}|z_l) and p(z_l|z_{l+1}) around the layer above this one.
 */
export const LatentLayersSchema = z.array(z.strictObject({
  size: positiveInt.max(4096),
  hidden: z.array(positiveInt.max(65536)).max(16).default([100, 100]),
})).max(8).default([]);

/** What every model has. */
const common = {
  seed: z.int().min(0).max(2 ** 31 - 1).default(1),
  latentDim: positiveInt.max(4096).default(2),
  encoder: NetSchema.default(MlpSchema.parse({})),
  decoder: NetSchema.default(MlpSchema.parse({})),
  likelihood: LikelihoodSchema.default({ kind: 'bernoulli' }),
  prior: PriorSchema.default({ kind: 'standard-normal' }),
  data: DataSchema.default(DataSchema.parse({})),
  train: TrainSchema.default(TrainSchema.parse({})),
  labels: LabelsSchema.default(LabelsSchema.parse({})),
};
const adversarial = AdversarialSchema.default(AdversarialSchema.parse({}));

/**
 * One config per model family, told apart by `model` ('vae' when not
 * given). Each family owns its slice: only the adversarial models have
 * `adversarial`, only the categorical ones `categorical` (with fields and
 * defaults of their own), so a setting that a model would ignore is an
 * error, not a silent no-op.
 */
export const ModelConfigSchema = z.discriminatedUnion('model', [
  /** The variational autoencoder. */
  z.strictObject({ model: z.literal('vae'), ...common, objective: VaeObjectiveSchema.default({ kind: 'elbo' }), latentLayers: LatentLayersSchema }),
  /** The adversarial autoencoder. */
  z.strictObject({ model: z.literal('aae'), ...common, adversarial }),
  /** The Wasserstein autoencoder (WAE-MMD): the AAE's sibling with a kernel penalty in place of the discriminator. */
  z.strictObject({ model: z.literal('wae'), ...common, wae: WaeSchema.default(WaeSchema.parse({})) }),
  /** The semi-supervised AAE (§5): a class code learned from a few labels beside the style. */
  z.strictObject({ model: z.literal('semi-supervised-aae'), ...common, adversarial, categorical: SemiSupervisedSchema.default(SemiSupervisedSchema.parse({})) }),
  /** The clustering AAE (§6): a cluster code beside the style, no labels. */
  z.strictObject({ model: z.literal('clustering-aae'), ...common, adversarial, categorical: ClusteringSchema.default(ClusteringSchema.parse({})) }),
]);

export const ConfigSchema = z.preprocess(
  // `model` may be left out: a VAE.
  (input) => (input && typeof input === 'object' && !Array.isArray(input) && !('model' in input) ? { model: 'vae', ...input } : input),
  ModelConfigSchema,
).superRefine((c, ctx) => {
  const categoricalCode = c.model === 'semi-supervised-aae' || c.model === 'clustering-aae';
  if (c.labels.use !== 'none' && categoricalCode) {
    ctx.addIssue({ code: 'custom', path: ['labels', 'use'], message: `a ${c.model} has its own categorical code (categorical.classes); labels.use must be "none"` });
  }
  if (c.labels.use === 'prior' && c.model !== 'aae' && !categoricalCode) {
    ctx.addIssue({ code: 'custom', path: ['labels', 'use'], message: `"prior" (label-guided regularisation) needs model "aae"; a ${c.model} can use "conditional"` });
  }
  if (c.prior.kind === 'gaussian-mixture' && c.prior.means) {
    const { components, means } = c.prior;
    if (means.length !== components) {
      ctx.addIssue({ code: 'custom', path: ['prior', 'components'], message: `${components} components but ${means.length} means: give one mean per component (or leave components out)` });
    }
    const bad = means.findIndex((m) => m.length !== c.latentDim);
    if (bad >= 0) ctx.addIssue({ code: 'custom', path: ['prior', 'means', bad], message: `has ${means[bad].length} coordinates; the latent space has ${c.latentDim} (latentDim)` });
  }
  if (c.model === 'vae' && c.objective.kind === 'iwae' && (c.train.beta !== 1 || c.train.klWarmupEpochs > 0)) {
    ctx.addIssue({ code: 'custom', path: ['objective', 'kind'], message: 'the importance-weighted bound has no KL term to weight: train.beta must be 1 and train.klWarmupEpochs 0' });
  }
  if (c.labels.fraction < 1 && c.labels.use !== 'prior') {
    ctx.addIssue({ code: 'custom', path: ['labels', 'fraction'], message: `a labelled fraction below 1 applies to label-guided training (labels.use "prior"), not "${c.labels.use}"` });
  }
  // What building the model would refuse (priors/index.ts, models/vae.ts, models/aae.ts), refused here, where the
  // message can name the file or flag the setting came from (a config file, a run folder's config.json).
  const prior = c.prior;
  if (prior.kind === 'swiss-roll' && c.latentDim !== 2) {
    ctx.addIssue({ code: 'custom', path: ['prior', 'kind'], message: `swiss-roll is a 2-D prior; latentDim is ${c.latentDim}` });
  }
  if (prior.kind === 'gaussian-mixture' && !prior.means && c.latentDim < 2) {
    ctx.addIssue({ code: 'custom', path: ['prior', 'kind'], message: `gaussian-mixture: the circle layout needs a latent of at least 2 dimensions (latentDim is ${c.latentDim}); give "means" for 1-D` });
  }
  if (prior.kind === 'vamp' && c.model !== 'vae') {
    ctx.addIssue({ code: 'custom', path: ['prior', 'kind'], message: `the VampPrior is made of a VAE's encoder (a mixture of its posteriors at learned pseudo-inputs): model must be "vae", not "${c.model}"` });
  }
  if (c.model === 'vae' && c.latentLayers.length > 0 && c.labels.use !== 'none') {
    ctx.addIssue({ code: 'custom', path: ['latentLayers'], message: 'stacked stochastic layers take no labels: labels.use must be "none"' });
  }
  if (c.model === 'vae' && c.latentLayers.length > 0 && c.objective.kind === 'iwae' && c.objective.gradient === 'dreg') {
    ctx.addIssue({ code: 'custom', path: ['objective', 'gradient'], message: 'the doubly reparameterised gradient ("dreg") is for one stochastic layer: with stacked layers q(z|x) has score terms it does not cover; leave gradient out' });
  }
  if (c.model === 'vae' && c.latentLayers.length > 0 && prior.kind === 'vamp') {
    ctx.addIssue({ code: 'custom', path: ['latentLayers'], message: 'stacked stochastic layers with a VampPrior are not supported: use a standard-normal or gaussian-mixture prior' });
  }
  if (prior.kind === 'vamp' && c.labels.use !== 'none') {
    ctx.addIssue({ code: 'custom', path: ['prior', 'kind'], message: 'the VampPrior\'s pseudo-inputs have no labels: labels.use must be "none"' });
  }
  if (c.model === 'vae' && prior.kind !== 'standard-normal' && prior.kind !== 'gaussian-mixture' && prior.kind !== 'vamp') {
    const why = prior.kind === 'uniform' ? 'is zero outside its support' : 'has no density';
    ctx.addIssue({ code: 'custom', path: ['prior', 'kind'], message: `a VAE needs a prior with a density that is positive everywhere (its KL term is E_q[log q − log p]); ${prior.kind} ${why}: train it with an adversarial autoencoder instead` });
  }
  if (c.model === 'aae' && c.labels.use === 'prior') {
    const components = prior.kind === 'gaussian-mixture' || prior.kind === 'swiss-roll' ? prior.components : undefined;
    if (components !== c.labels.classes) {
      ctx.addIssue({
        code: 'custom', path: ['labels', 'use'],
        message: `label-guided training gives each of the ${c.labels.classes} classes its own part of the prior: use a gaussian-mixture or swiss-roll prior with ${c.labels.classes} components (the prior is ${prior.kind}${components === undefined ? '' : ` with ${components}`})`,
      });
    }
  }
});

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A config as the user writes it: every field optional. */
export type ConfigInput = z.input<typeof ConfigSchema>;
/** A resolved config: defaults filled, validated, frozen. */
export type Config = DeepReadonly<z.output<typeof ConfigSchema>>;
export type LikelihoodSpec = Config['likelihood'];
export type PriorSpec = Config['prior'];
/** An encoder or decoder net, MLP or conv. */
export type NetConfig = Config['encoder'];
export type MlpConfig = Exclude<NetConfig, { readonly kind: 'conv' }>;
export type ConvConfig = Extract<NetConfig, { readonly kind: 'conv' }>;
export type LabelsConfig = Config['labels'];
export type OptimizerSpec = Config['train']['optimizer'];
export type ModelKind = Config['model'];
/** The config of one kind of model. */
export type ConfigOf<K extends ModelKind> = Extract<Config, { readonly model: K }>;
/** The config of any model with a discriminator (it has `adversarial`). */
export type AdversarialConfig = ConfigOf<'aae' | 'semi-supervised-aae' | 'clustering-aae'>;
/** The config of a model with a categorical code (it has `categorical`). */
export type CategoricalConfig = ConfigOf<'semi-supervised-aae' | 'clustering-aae'>;
/** `config` as the config of one of `kinds`; throws when it is another model's. */
export function configOf<K extends ModelKind>(config: Config, ...kinds: K[]): ConfigOf<K> {
  if (!(kinds as readonly string[]).includes(config.model)) throw new Error(`expected the config of a ${kinds.join(' or ')}, got a ${config.model}'s`);
  return config as ConfigOf<K>;
}
/** True when `config` has an adversarial slice. */
export const isAdversarialConfig = (config: Config): config is AdversarialConfig => 'adversarial' in config;

