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
import type { OptimizerState } from '../training/optimizer-state.js';

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
  const named = state.slots.flatMap((slots, i) => Object.entries(slots).map(([slot, tensor]) => ({ name: `${i}/${slot}`, tensor })));
  const { data, specs } = await tf.io.encodeWeights(named);
  return { 'optimizer.json': JSON.stringify({ step: state.step, weights: specs }), 'optimizer.bin': toBytes(data) };
}

/** Reads optimizer state written by optimizerStateToFiles (caller disposes the tensors). */
export function optimizerStateFromFiles(json: string, bytes: Uint8Array): OptimizerState {
  const { step, weights } = JSON.parse(json) as { step: number; weights: tf.io.WeightsManifestEntry[] };
  if (!Number.isSafeInteger(step) || step < 0) throw new Error(`optimizer state: "step" must be a whole number ≥ 0, got ${JSON.stringify(step)}`);
  if (!Array.isArray(weights)) throw new Error('optimizer state: "weights" must list the tensors');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buffer, weights);
  // Names are `<variable index>/<slot>` (Adam: m, v; SGD: velocity).
  const slots: Record<string, tf.Tensor>[] = [];
  for (const [name, tensor] of Object.entries(map)) {
    const match = /^(\d+)\/([A-Za-z]+)$/.exec(name);
    if (!match) throw new Error(`optimizer state: unexpected tensor name "${name}"`);
    (slots[Number(match[1])] ??= {})[match[2]] = tensor;
  }
  if (Array.from(slots).some((s) => s === undefined) || slots.length !== new Set(weights.map((w) => w.name.split('/')[0])).size) {
    throw new Error('optimizer state: the variables are not numbered 0..n−1');
  }
  return { step, slots };
}
