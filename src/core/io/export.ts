/**
 * Export for other frameworks: every weight as a safetensors tensor plus a
 * JSON description of the architecture that says how to wire them.
 *
 * Tensor names are `<net>.<layer>.<weight>`, e.g. `encoder.dense0.kernel`,
 * `encoder.loc.bias`, `decoder.logits.kernel`, `encoder.conv0.kernel`,
 * `encoder.bn0.gamma`.
 *
 * An MLP (`kind: 'mlp'`) is described as its hidden layers and its heads.
 * Dense kernels are [in, out] (y = x·kernel + bias); PyTorch's
 * nn.Linear.weight is the transpose, [out, in].
 *
 * Any other net (a conv net, `kind: 'graph'`) is described as its layers in
 * the order they run, each naming the layers it reads (`inputs`), and the
 * layer each head is read from (`outputs`). Activations between layers are
 * NHWC (batch, height, width, channels); the net's input and its heads are
 * examples flattened row-major from [H, W, C]. Layer types:
 *
 *   reshape          flat → `shape` ([H, W, C]), row-major
 *   conv2d           kernel [kh, kw, in, out]; zeros padded `pad` {top, bottom,
 *                    left, right} (TF's 'same': the odd pixel at the bottom/right),
 *                    then a valid convolution with `stride`, + bias, activation.
 *                    PyTorch: Conv2d weight [out, in, kh, kw] = kernel.permute(3, 2, 0, 1),
 *                    with F.pad(x, (left, right, top, bottom)) and padding=0.
 *   conv2dTranspose  kernel [kh, kw, out, in]; the full transposed convolution
 *                    ((in − 1)·stride + k per side) with `pad.top`/`pad.left`
 *                    rows/columns removed in front and cut to `outputSize`, + bias,
 *                    activation. PyTorch: ConvTranspose2d weight [in, out, kh, kw]
 *                    = kernel.permute(3, 2, 0, 1), padding=0, then crop the same way.
 *   batchNorm        y = gamma·(x − movingMean)/√(movingVariance + epsilon) + beta, per channel
 *   activation       the activation alone
 *   crop             remove {top, bottom, left, right} rows/columns
 *   flatten          NHWC → [batch, H·W·C], row-major
 *   concatenate      join along the last axis, in `inputs` order
 *   dense            as in an MLP
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Autoencoder } from '../models/types.js';
import { encodeSafetensors, type SafetensorsTensor } from './safetensors.js';

export interface ExportedLayer {
  readonly name: string;
  readonly in: number;
  readonly out: number;
  readonly activation: string;
  readonly kernel: string;
  readonly bias: string;
}

/** A dense net: input → hidden layers → linear heads. */
export interface ExportedMlp {
  readonly kind: 'mlp';
  readonly input: number;
  /** Hidden layers, applied in order. */
  readonly hidden: ExportedLayer[];
  /** Linear output heads, each applied to the last hidden layer's output. */
  readonly heads: Record<string, ExportedLayer>;
}

interface Padding { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number }

/** One layer of a graph net (see the file comment for each type's meaning). */
export type ExportedOp = { readonly name: string; readonly inputs: readonly string[] } & (
  | { readonly type: 'reshape'; readonly shape: readonly number[] }
  | {
    readonly type: 'conv2d' | 'conv2dTranspose'; readonly in: number; readonly out: number; readonly kernelSize: readonly [number, number];
    readonly stride: readonly [number, number]; readonly padding: 'same' | 'valid'; readonly pad: Padding;
    readonly inputSize: readonly [number, number]; readonly outputSize: readonly [number, number];
    readonly activation: string; readonly kernel: string; readonly bias?: string;
  }
  | { readonly type: 'batchNorm'; readonly channels: number; readonly epsilon: number; readonly gamma?: string; readonly beta?: string; readonly movingMean: string; readonly movingVariance: string }
  | { readonly type: 'activation'; readonly activation: string }
  | ({ readonly type: 'crop' } & Padding)
  | { readonly type: 'flatten' | 'concatenate' }
  | { readonly type: 'dense'; readonly in: number; readonly out: number; readonly activation: string; readonly kernel: string; readonly bias?: string });

/** A net as its layers in running order. */
export interface ExportedGraph {
  readonly kind: 'graph';
  /** The net's inputs, flat, in order: the example (and a one-hot label where the net takes one). */
  readonly inputs: readonly { readonly name: string; readonly size: number }[];
  readonly layers: readonly ExportedOp[];
  /** Each head and the layer it is read from. */
  readonly outputs: Readonly<Record<string, string>>;
}

export type ExportedNet = ExportedMlp | ExportedGraph;

export interface ArchitectureDescription {
  readonly format: 'latentlab.safetensors/1';
  readonly model: string;
  readonly dataShape: readonly number[];
  readonly dataDim: number;
  readonly latentDim: number;
  readonly kernelLayout: string;
  readonly nets: Record<string, ExportedNet>;
  readonly likelihood: unknown;
  readonly prior: unknown;
  readonly semantics: Record<string, string>;
}

const KERNEL_LAYOUT = 'dense: kernel is [in, out], y = activation(x · kernel + bias), torch.nn.Linear.weight = kernel transposed; '
  + 'conv2d: kernel [kh, kw, in, out], torch.nn.Conv2d.weight = kernel.permute(3, 2, 0, 1) = [out, in, kh, kw]; '
  + 'conv2dTranspose: kernel [kh, kw, out, in], torch.nn.ConvTranspose2d.weight = kernel.permute(3, 2, 0, 1) = [in, out, kh, kw]; '
  + 'activations between layers are NHWC, and inputs and heads are examples flattened row-major from [H, W, C]';

const shortName = (netName: string, layer: string): string => (layer.startsWith(`${netName}_`) ? layer.slice(netName.length + 1) : layer);

/** A weight's name in the export: `<net>.<layer>.<weight>` (e.g. encoder.dense0.kernel). */
function weightName(netName: string, layer: tfl.layers.Layer, w: tfl.LayerVariable): string {
  return `${netName}.${shortName(netName, layer.name)}.${w.originalName.split('/').pop()!}`;
}

/**
 * Every weight of the model under its export name, with the layer that holds
 * it and its index among the layer's weights (what `exportSafetensors` writes
 * and an import writes back).
 */
export function exportedWeights(model: Autoencoder): { name: string; layer: tfl.layers.Layer; index: number; shape: number[] }[] {
  return Object.entries(model.nets).flatMap(([netName, net]) => net.layers.flatMap((layer) =>
    layer.weights.map((w, index) => ({ name: weightName(netName, layer, w), layer, index, shape: w.shape.map(Number) }))));
}

/** Records a layer's weights as tensors `<net>.<layer>.<weight>`; returns the names by weight (kernel, bias, gamma …). */
function recordWeights(netName: string, layer: tfl.layers.Layer, tensors: Record<string, SafetensorsTensor>): Record<string, string> {
  const names: Record<string, string> = {};
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const weight = w.originalName.split('/').pop()!;
    const name = weightName(netName, layer, w);
    tensors[name] = { dtype: 'F32', shape: [...values[i].shape], data: values[i].dataSync() as Float32Array };
    names[weight] = name;
  });
  return names;
}

/** True for a plain MLP: dense layers with a kernel and a bias, one input. */
function isMlp(net: tfl.LayersModel): boolean {
  return net.inputs.length === 1 && net.layers.every((l) => l.getClassName() === 'InputLayer' || (l.getClassName() === 'Dense' && l.weights.length === 2));
}

function describeMlp(netName: string, net: tfl.LayersModel, tensors: Record<string, SafetensorsTensor>): ExportedMlp {
  const hidden: ExportedLayer[] = [];
  const heads: Record<string, ExportedLayer> = {};
  for (const layer of net.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const [kernel] = layer.getWeights();
    const short = shortName(netName, layer.name);
    const names = recordWeights(netName, layer, tensors);
    const entry: ExportedLayer = {
      name: short, in: Number(kernel.shape[0]), out: Number(kernel.shape[1]),
      activation: String((layer.getConfig() as { activation?: string }).activation ?? 'linear'),
      kernel: names.kernel, bias: names.bias,
    };
    if (short.startsWith('dense')) hidden.push(entry);
    else heads[short] = entry;
  }
  return { kind: 'mlp', input: Number(net.inputs[0].shape[1]), hidden, heads };
}

/** TF's padding of one spatial axis: 'same' pads (out − 1)·stride + k − in, the odd one after. */
function padAlong(padding: string, inSize: number, outSize: number, stride: number, k: number): [number, number] {
  if (padding !== 'same') return [0, 0];
  const total = Math.max((outSize - 1) * stride + k - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

type LayerConfig = Record<string, unknown> & { activation?: string };
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

function describeConv(layer: tfl.layers.Layer, config: LayerConfig, names: Record<string, string>, transposed: boolean) {
  const inShape = (layer.input as tfl.SymbolicTensor).shape;
  const outShape = layer.outputShape as number[];
  const [kh, kw] = pair(config.kernelSize);
  const [sh, sw] = pair(config.strides);
  const padding = String(config.padding) as 'same' | 'valid';
  const [inH, inW, inC] = [Number(inShape[1]), Number(inShape[2]), Number(inShape[3])];
  const [outH, outW, outC] = [Number(outShape[1]), Number(outShape[2]), Number(outShape[3])];
  // A transposed convolution is the gradient of the convolution from its output size to its input size.
  const [top, bottom] = transposed ? padAlong(padding, outH, inH, sh, kh) : padAlong(padding, inH, outH, sh, kh);
  const [left, right] = transposed ? padAlong(padding, outW, inW, sw, kw) : padAlong(padding, inW, outW, sw, kw);
  return {
    type: transposed ? 'conv2dTranspose' as const : 'conv2d' as const, in: inC, out: outC, kernelSize: [kh, kw] as const, stride: [sh, sw] as const,
    padding, pad: { top, bottom, left, right }, inputSize: [inH, inW] as const, outputSize: [outH, outW] as const,
    activation: String(config.activation ?? 'linear'), kernel: names.kernel, ...(names.bias ? { bias: names.bias } : {}),
  };
}

/** One layer as an ExportedOp (its type's fields), or an error for a layer type the export does not know. */
function describeOp(netName: string, layer: tfl.layers.Layer, tensors: Record<string, SafetensorsTensor>) {
  const config = layer.getConfig() as LayerConfig;
  const names = recordWeights(netName, layer, tensors);
  switch (layer.getClassName()) {
    case 'Reshape': return { type: 'reshape' as const, shape: (config.targetShape as number[]).map(Number) };
    case 'Conv2D': return describeConv(layer, config, names, false);
    case 'Conv2DTranspose': return describeConv(layer, config, names, true);
    case 'BatchNormalization': return {
      type: 'batchNorm' as const, channels: Number((layer.outputShape as number[]).at(-1)), epsilon: Number(config.epsilon),
      ...(names.gamma ? { gamma: names.gamma } : {}), ...(names.beta ? { beta: names.beta } : {}),
      movingMean: names.moving_mean ?? names.movingMean, movingVariance: names.moving_variance ?? names.movingVariance,
    };
    case 'Activation': return { type: 'activation' as const, activation: String(config.activation) };
    case 'Cropping2D': {
      const [[top, bottom], [left, right]] = config.cropping as [[number, number], [number, number]];
      return { type: 'crop' as const, top, bottom, left, right };
    }
    case 'Flatten': return { type: 'flatten' as const };
    case 'Concatenate': return { type: 'concatenate' as const };
    case 'Dense': {
      const [kernel] = layer.getWeights();
      return {
        type: 'dense' as const, in: Number(kernel.shape[0]), out: Number(kernel.shape[1]), activation: String(config.activation ?? 'linear'),
        kernel: names.kernel, ...(names.bias ? { bias: names.bias } : {}),
      };
    }
    default: throw new Error(`export: the ${netName} net has a ${layer.getClassName()} layer (${layer.name}), which the export cannot describe`);
  }
}

function describeGraph(netName: string, net: tfl.LayersModel, tensors: Record<string, SafetensorsTensor>): ExportedGraph {
  const short = (layer: tfl.layers.Layer) => shortName(netName, layer.name);
  const inputs = net.inputLayers.map((l) => ({ name: short(l), size: Number((l.outputShape as number[])[1]) }));
  const layers: ExportedOp[] = net.layers.filter((l) => l.getClassName() !== 'InputLayer').map((layer) => ({
    name: short(layer), inputs: layer.inboundNodes[0].inboundLayers.map(short), ...describeOp(netName, layer, tensors),
  }));
  const heads = net.outputLayers.map(short);
  const outputs = Object.fromEntries(heads.map((h) => [h.replace(/_flatten$/, ''), h]));
  return { kind: 'graph', inputs, layers, outputs };
}

function describeNet(netName: string, net: tfl.LayersModel, tensors: Record<string, SafetensorsTensor>): ExportedNet {
  return isMlp(net) ? describeMlp(netName, net, tensors) : describeGraph(netName, net, tensors);
}

/** The names of a net's heads. */
export function headNames(net: ExportedNet): string[] {
  return Object.keys(net.kind === 'mlp' ? net.heads : net.outputs);
}

/** The model's weights as safetensors bytes and the architecture description. */
export function exportSafetensors(model: Autoencoder, dataShape: readonly number[], metadata: Record<string, string> = {}): {
  bytes: Uint8Array; architecture: ArchitectureDescription;
} {
  const tensors: Record<string, SafetensorsTensor> = {};
  const nets = Object.fromEntries(Object.entries(model.nets).map(([name, net]) => [name, describeNet(name, net, tensors)]));
  const architecture: ArchitectureDescription = {
    format: 'latentlab.safetensors/1',
    model: model.kind,
    dataShape,
    dataDim: model.dataDim,
    latentDim: model.latentDim,
    kernelLayout: KERNEL_LAYOUT,
    nets,
    likelihood: model.config.likelihood,
    prior: model.config.prior,
    semantics: {
      encoder: headNames(nets.encoder).includes('code')
        ? 'deterministic encoder: z = code (the last hidden layer through the code head)'
        : 'q(z|x) = N(loc, diag exp(logvar)); heads loc and logvar read the last hidden layer',
      ...(nets.discriminator ? { discriminator: 'D(z) = sigmoid(logit): the probability that z was drawn from the prior' } : {}),
      decoder: model.config.likelihood.kind === 'bernoulli'
        ? 'p(x|z) = Bernoulli(sigmoid(logits)), pixels in [0,1] flattened row-major'
        : model.config.likelihood.kind === 'continuous-bernoulli'
          ? 'p(x|z) = continuous Bernoulli: log p = x·logits − softplus(logits) + log C, C = logits / tanh(logits / 2) (2 at 0), x in [0,1]'
        : model.config.likelihood.kind === 'discretized-logistic'
          ? 'p(x|z) = discretised logistic on the 8-bit grid {0, 1/255, …, 1}: P(x) = sigmoid((x + 1/510 − loc)/s) − sigmoid((x − 1/510 − loc)/s), the end bins extended to ±∞; log s = softplus(logscale + 7) − 7'
          : 'p(x|z) = N(loc, σ²); learned variance: log σ² = softplus(logvar + 6) − 6',
      input: `x flattened row-major from shape ${dataShape.join('×')}${dataShape.length === 3 ? ' (channels last)' : ''}, values in [0, 1]`,
      ...(Object.values(nets).some((n) => n.kind === 'graph')
        ? { layers: 'graph nets: layers run in order, each reading its `inputs`; activations are NHWC; see kernelLayout for the kernels\' axis order' } : {}),
    },
  };
  const bytes = encodeSafetensors(tensors, { format: 'latentlab', architecture: JSON.stringify(architecture), ...metadata });
  return { bytes, architecture };
}
