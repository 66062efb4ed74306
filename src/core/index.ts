/**
 * LatentLab core: runs in Node and in the browser (no fs, no DOM).
 * Every public export is named here.
 */
/**
 * The TensorFlow.js core that LatentLab's tensors belong to. Use this one
 * rather than importing '@tensorflow/tfjs-core' yourself: a second copy of
 * it (another version in your project, or LatentLab linked from a folder
 * with its own node_modules) keeps a second engine and prints "Platform node
 * has already been set".
 */
export * as tf from '@tensorflow/tfjs-core';
export { resolveConfig, resolveStoredConfig, mergeConfig, ConfigError } from './config/resolve.js';
export { withLearningRateDrop } from './config/lr-drop.js';
export {
  ConfigSchema, configOf, isAdversarialConfig,
  type AdversarialConfig, type CategoricalConfig, type Config, type ConfigInput, type ConfigOf, type LikelihoodSpec, type ModelKind, type PriorSpec,
  type NetConfig, type MlpConfig, type ConvConfig,
} from './config/schema.js';
export { makeDataset, take, batches, batchCount, type Dataset, type DataSplits, type Batch, type BatchOptions } from './data/dataset.js';
export { DataError } from './data/errors.js';
export { parseIdx, encodeIdx, expectIdx, type IdxArray, type IdxDtype } from './data/idx.js';
export * from './distributions/index.js';
export { installTransposeFreeMatMul } from './engine/transpose-free-matmul.js';
export { exportSafetensors, type ArchitectureDescription, type ExportedNet, type ExportedOp } from './io/export.js';
export { layersModelToFiles, layersModelFromFiles, optimizerStateToFiles, optimizerStateFromFiles, type FileMap } from './io/layers-io.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type SafetensorsTensor } from './io/safetensors.js';
export { evaluateObjective } from './metrics/evaluate.js';
export { DivergenceError, allFinite, nonFiniteTerms } from './training/divergence.js';
export { readRun, readRunMetrics, readCheckpointNets, readOptimizerState, fileMapStore, RunFolderError, type RunStore, type RunContents } from './io/run-layout.js';
export { importanceWeightedBound, type IwResult } from './metrics/iw.js';
export { pcaProject } from './metrics/pca.js';
export { featureStats, frechetDistance, type FeatureStats } from './metrics/frechet.js';
export { fitGmm, defaultKernels, kmeans, GmmFitError, type GmmFit, type GmmFitOptions } from './samplers/fit-gmm.js';
export { FullGaussianMixture, logDensities, type MixtureParameters } from './samplers/mixture.js';
export { typedArrayKernels, type EmKernels } from './samplers/em-kernels.js';
export { tensorKernels } from './samplers/em-kernels-tf.js';
export { mmd, mmdSquared, imqKernel, IMQ_SCALES, type ImqKernel } from './metrics/mmd.js';
export { parzenEstimate, parzenLogLikelihoods, DEFAULT_PARZEN_SIGMAS, type ParzenResult } from './metrics/parzen.js';
export { knnAccuracy, twoSampleAccuracy } from './metrics/separability.js';
export { assignClusters, clusterError, type ClusterError } from './metrics/clusters.js';
export { latentMatch, encodeData, componentAccuracy, type LatentMatch } from './metrics/latent-match.js';
export { buildModel, modelFamily, modelFamilies, type ModelFamily } from './models/registry.js';
export type { Autoencoder } from './models/types.js';
export { exampleSize, flatExamples, shapedExamples } from './models/data-shape.js';
export { checkLabels, hideLabels, labelInputs, oneHot, type CodecOptions } from './models/conditioning.js';
export { createVae, buildVaeNets, buildDecoder, buildGaussianEncoder } from './models/vae.js';
export { createAae, buildAaeNets, buildCodeEncoder, codeDistribution, type AdversarialAutoencoder, type CodeEncoderKind } from './models/aae.js';
export { createWae, buildWaeNets, priorVariance, type WassersteinAutoencoder } from './models/wae.js';
export { createCategoricalAae, buildCategoricalNets, isCategoricalModel, classStyleCodes, type CategoricalAutoencoder } from './models/categorical-aae.js';
export { buildMlp, trainableVariables, type MlpSpec } from './nets/mlp.js';
export { buildConvEncoder, buildConvDecoder, type ConvEncoderSpec, type ConvDecoderSpec } from './nets/conv.js';
export { buildEncoderNet, buildDecoderNet, applyNet, netKind, type NetKind, type EncoderRequest, type DecoderRequest } from './nets/build.js';
export { negativeElbo, type ElboOptions } from './objectives/elbo.js';
export { reconstructionLoss, discriminatorLoss, generatorLoss, adversarialTerms, type AdversarialOptions } from './objectives/adversarial.js';
export { waeLoss, type WaeOptions } from './objectives/wae.js';
export type { ObjectiveValue } from './objectives/types.js';
export { createPrior, isComponentPrior, GaussianMixture, SwissRoll, UniformBox, type Prior, type ComponentPrior } from './priors/index.js';
export { priorDensityGrid, type DensityGrid } from './priors/density.js';
export { Adam, type AdamSpec, type OptimizerState } from './training/adam.js';
export { fit, evaluationSeed, type EpochRecord, type FitOptions } from './training/fit.js';
export { trainEpoch, type Phase, type StepContext, type EpochProgress, type EpochResult } from './training/trainer.js';
export { linearWarmup } from './training/schedules.js';
export { deriveSeed, permutation, uniformGenerator } from './util/random.js';
