/**
 * Networks and optimizer state as files, in TF.js's own format, so a browser
 * loads them with `tf.loadLayersModel(url)` as they are.
 *
 * A net is two files: `model.json` ({modelTopology, weightsManifest: [{paths:
 * ['weights.bin'], weights: [...]}], format: 'layers-model'}) and
 * `weights.bin` (little-endian float32, in manifest order). The core only
 * turns models into file contents and back; where the bytes go (disk, HTTP,
 * memory) is the caller's business.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { OptimizerState } from '../training/adam.js';

/** File name → contents (string for JSON, bytes for binary). */
export type FileMap = Record<string, string | Uint8Array>;

function toBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buffer);
}

/** A LayersModel as `model.json` + `weights.bin` contents. */
export async function layersModelToFiles(model: tfl.LayersModel, generatedBy: string): Promise<FileMap> {
  let files: FileMap = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      files = { 'model.json': JSON.stringify(json), 'weights.bin': toBytes(artifacts.weightData) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

/** Rebuilds a LayersModel from `model.json` text and `weights.bin` bytes. */
export async function layersModelFromFiles(modelJson: string, weights: Uint8Array): Promise<tfl.LayersModel> {
  const json = JSON.parse(modelJson) as tf.io.ModelJSON;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buffer = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const expected = weightSpecs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (buffer.byteLength !== expected) {
    throw new Error(`weights.bin holds ${buffer.byteLength} bytes, model.json describes ${expected}`);
  }
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: buffer }));
}

/** Optimizer state as `optimizer.json` (step, tensor specs) + `optimizer.bin`. */
export async function optimizerStateToFiles(state: OptimizerState): Promise<FileMap> {
  const named = state.moments.flatMap(({ m, v }, i) => [{ name: `${i}/m`, tensor: m }, { name: `${i}/v`, tensor: v }]);
  const { data, specs } = await tf.io.encodeWeights(named);
  return { 'optimizer.json': JSON.stringify({ step: state.step, weights: specs }), 'optimizer.bin': toBytes(data) };
}

/** Reads optimizer state written by optimizerStateToFiles (caller disposes the tensors). */
export function optimizerStateFromFiles(json: string, bytes: Uint8Array): OptimizerState {
  const { step, weights } = JSON.parse(json) as { step: number; weights: tf.io.WeightsManifestEntry[] };
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buffer, weights);
  const count = weights.length / 2;
  const moments = Array.from({ length: count }, (_, i) => ({ m: map[`${i}/m`], v: map[`${i}/v`] }));
  return { step, moments };
}
