/** LatentLab for Node: backends, datasets on disk, run folders, figures, the CLI's building blocks. */
export { initBackend, BACKENDS, type BackendChoice } from './backend.js';
export { loadDataSplits, mnistDirectory } from './datasets.js';
export { UserError } from './errors.js';
export { imageGridPng, reconstructionsPng, manifoldPng, scatterPng, lineChartPng, decodePng } from './figures.js';
export { loadRunModel } from './load-run.js';
export { openRunFolder, readMetrics, type Manifest, type OpenedRun, type Checkpoint } from './run-folder.js';
export { writeRunFigures, encodeMeans, decodeMeans, sampleImages, styleImages } from './run-figures.js';
export { createSampler, SAMPLERS, type Sampler, type SamplerKind, type SamplerRequest } from './samplers.js';
export { runCompare, type CompareOptions, type CompareResult, type CompareRow } from './compare.js';
export { trainRun, type TrainRunOptions, type TrainRunResult } from './train-run.js';
