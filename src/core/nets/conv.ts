/**
 * Convolutional encoders and decoders for images, as serialisable
 * tf.LayersModels whose boundary is flat: they read and write examples
 * flattened row-major from [H, W, C] (channels last), like the MLPs, so the
 * models, objectives and likelihoods see [batch, H·W·C] either way.
 *
 *   encoder  x [H·W·C] → reshape [H, W, C] → L × conv k×k, stride s, 'same'
 *            (→ batch norm) → activation → flatten → dense hidden → linear heads
 *   decoder  z → dense hidden → dense to [h₀, w₀, c_L] (h₀ = ⌈H / s^L⌉) →
 *            L − 1 × conv-transpose k×k, stride s, 'same' (→ batch norm) →
 *            activation → per head: a linear conv-transpose to C channels,
 *            cropped to H × W where the sizes overshoot, flattened
 *
 * With k = 4, s = 2 this is the convolutional VAE of Higgins et al. 2017
 * (β-VAE) and Burgess et al. 2018, as in disentanglement_lib (Locatello et
 * al. 2019), with as many stride-2 layers as the image size calls for.
 *
 * Layers are named `${name}_conv${i}`, `${name}_deconv${i}`, `${name}_dense${i}`,
 * `${name}_<head>` …, so weight names are stable. Initialisation is PyTorch's
 * default for Conv2d / ConvTranspose2d / Linear, seeded per layer: weights and
 * biases ~ U(−1/√fan_in, 1/√fan_in), fan_in = in·k² for a convolution and
 * out·k² for a transposed one (PyTorch reads fan_in from dimension 1 of the
 * weight, [in, out, k, k]; TF.js's fan-in mode reads the same number from
 * the kernel [k, k, out, in]). With `init: "he"`, weights are He et al.'s
 * U(−√(6/fan_in), √(6/fan_in)) from the same fan_in and biases are zero
 * (PyTorch's kaiming_uniform_ for ReLU).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../config/resolve.js';
import type { ConvConfig } from '../config/schema.js';
import { initialisers, type Activation } from './mlp.js';

type Tensor = tfl.SymbolicTensor;

export interface ConvEncoderSpec {
  readonly name: string;
  /** One example's shape: [H, W] or [H, W, C]. */
  readonly dataShape: readonly number[];
  /** Extra inputs joined after the convolutions (a one-hot label); 0 for none. */
  readonly extraInputs: number;
  readonly net: ConvConfig;
  readonly heads: readonly { readonly name: string; readonly size: number }[];
  readonly seed: number;
}

export interface ConvDecoderSpec {
  readonly name: string;
  /** Width of the input (the code, plus any label inputs). */
  readonly inputSize: number;
  readonly dataShape: readonly number[];
  readonly net: ConvConfig;
  /** One head per likelihood parameter, each the size of an example. */
  readonly heads: readonly { readonly name: string; readonly size: number }[];
  readonly seed: number;
}

/** [H, W, C] of an image shape ([H, W] is one channel); a clear error for anything else. */
export function imageShape(dataShape: readonly number[], net: string): [number, number, number] {
  if (dataShape.length === 2) return [dataShape[0], dataShape[1], 1];
  if (dataShape.length === 3) return [dataShape[0], dataShape[1], dataShape[2]];
  const what = dataShape.length === 1 ? `a table row of ${dataShape[0]} values ([D])` : `shape [${dataShape.join(', ')}]`;
  throw new ConfigError(net, [`${net}: a conv net needs images, examples of shape [H, W] or [H, W, C]; this data has ${what}: use the MLP (--net mlp)`]);
}

function dense(net: ConvConfig, name: string, units: number, fanIn: number, activation: Activation, seed: number, x: Tensor): Tensor {
  return tfl.layers.dense({ name, units, activation, ...initialisers(net.init, fanIn, seed) }).apply(x) as Tensor;
}

/** Batch norm (PyTorch's defaults: ε = 1e-5, running averages with momentum 0.1) then the activation, or the activation alone. */
function normalised(prefix: string, i: number, net: ConvConfig, x: Tensor): Tensor {
  if (!net.batchNorm) return x;
  const bn = tfl.layers.batchNormalization({ name: `${prefix}_bn${i}`, axis: -1, momentum: 0.9, epsilon: 1e-5 }).apply(x) as Tensor;
  return tfl.layers.activation({ name: `${prefix}_act${i}`, activation: net.activation }).apply(bn) as Tensor;
}

/** The spatial size after each of the encoder's convolutions ('same' padding: ⌈size / stride⌉). */
export function convSizes(size: number, net: ConvConfig): number[] {
  const sizes = [size];
  for (let i = 0; i < net.channels.length; i++) sizes.push(Math.ceil(sizes[i] / net.stride));
  return sizes;
}

/** x (flat) → convolutions → dense layers → one linear layer per head. */
export function buildConvEncoder(spec: ConvEncoderSpec): tfl.LayersModel {
  const { name, net, seed } = spec;
  const [height, width, channels] = imageShape(spec.dataShape, name);
  const input = tfl.input({ shape: [height * width * channels], name: `${name}_input` });
  let h = tfl.layers.reshape({ name: `${name}_reshape`, targetShape: [height, width, channels] }).apply(input) as Tensor;
  let inC = channels;
  net.channels.forEach((outC, i) => {
    h = tfl.layers.conv2d({
      name: `${name}_conv${i}`, filters: outC, kernelSize: net.kernel, strides: net.stride, padding: 'same',
      activation: net.batchNorm ? 'linear' : net.activation, ...initialisers(net.init, inC * net.kernel ** 2, seed + 2 * i),
    }).apply(h) as Tensor;
    h = normalised(name, i, net, h);
    inC = outC;
  });
  h = tfl.layers.flatten({ name: `${name}_flatten` }).apply(h) as Tensor;
  const inputs = [input];
  if (spec.extraInputs > 0) {
    const extra = tfl.input({ shape: [spec.extraInputs], name: `${name}_labels` });
    inputs.push(extra);
    h = tfl.layers.concatenate({ name: `${name}_join`, axis: -1 }).apply([h, extra]) as Tensor;
  }
  let fanIn = h.shape[1]!;
  let s = seed + 2 * net.channels.length;
  net.hidden.forEach((units, i) => {
    h = dense(net, `${name}_dense${i}`, units, fanIn, net.activation, (s += 2), h);
    fanIn = units;
  });
  const outputs = spec.heads.map((head) => dense(net, `${name}_${head.name}`, head.size, fanIn, 'linear', (s += 2), h));
  return tfl.model({ name, inputs, outputs: outputs.length === 1 ? outputs[0] : outputs });
}

/** z → dense layers → the smallest feature map → transposed convolutions → one image per head, flat. */
export function buildConvDecoder(spec: ConvDecoderSpec): tfl.LayersModel {
  const { name, net, seed } = spec;
  const [height, width, channels] = imageShape(spec.dataShape, name);
  for (const head of spec.heads) {
    if (head.size !== height * width * channels) throw new Error(`${name}: head ${head.name} has ${head.size} values, an image ${height * width * channels}`);
  }
  const layers = net.channels.length;
  const [h0, w0] = [convSizes(height, net)[layers], convSizes(width, net)[layers]];
  const input = tfl.input({ shape: [spec.inputSize], name: `${name}_input` });
  let h: Tensor = input;
  let fanIn = spec.inputSize;
  let s = seed;
  net.hidden.forEach((units, i) => {
    h = dense(net, `${name}_dense${i}`, units, fanIn, net.activation, (s += 2), h);
    fanIn = units;
  });
  const deepest = net.channels[layers - 1];
  h = dense(net, `${name}_project`, h0 * w0 * deepest, fanIn, net.activation, (s += 2), h);
  h = tfl.layers.reshape({ name: `${name}_reshape`, targetShape: [h0, w0, deepest] }).apply(h) as Tensor;
  const up = (layerName: string, filters: number, activation: Activation, x: Tensor) => tfl.layers.conv2dTranspose({
    name: layerName, filters, kernelSize: net.kernel, strides: net.stride, padding: 'same', activation, ...initialisers(net.init, filters * net.kernel ** 2, (s += 2)),
  }).apply(x) as Tensor;
  for (let i = layers - 1; i >= 1; i--) {
    const j = layers - 1 - i;
    h = up(`${name}_deconv${j}`, net.channels[i - 1], net.batchNorm ? 'linear' : net.activation, h);
    h = normalised(name, j, net, h);
  }
  const [outH, outW] = [h0 * net.stride ** layers, w0 * net.stride ** layers];
  const outputs = spec.heads.map((head) => {
    let y = up(`${name}_${head.name}`, channels, 'linear', h);
    if (outH !== height || outW !== width) {
      const [top, left] = [Math.floor((outH - height) / 2), Math.floor((outW - width) / 2)];
      y = tfl.layers.cropping2D({
        name: `${name}_${head.name}_crop`, cropping: [[top, outH - height - top], [left, outW - width - left]],
      }).apply(y) as Tensor;
    }
    return tfl.layers.flatten({ name: `${name}_${head.name}_flatten` }).apply(y) as Tensor;
  });
  return tfl.model({ name, inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs });
}
