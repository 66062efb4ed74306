/**
 * Export for other frameworks: every weight as a safetensors tensor plus a
 * JSON description of the architecture that says how to wire them.
 *
 * Tensor names are `<net>.<layer>.kernel` / `<net>.<layer>.bias`, e.g.
 * `encoder.dense0.kernel`, `encoder.loc.bias`, `decoder.logits.kernel`.
 * Kernels are [in, out] (y = x·kernel + bias); PyTorch's nn.Linear.weight is
 * the transpose, [out, in].
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

export interface ExportedNet {
  readonly input: number;
  /** Hidden layers, applied in order. */
  readonly hidden: ExportedLayer[];
  /** Linear output heads, each applied to the last hidden layer's output. */
  readonly heads: Record<string, ExportedLayer>;
}

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

function describeNet(netName: string, net: tfl.LayersModel, tensors: Record<string, SafetensorsTensor>): ExportedNet {
  const hidden: ExportedLayer[] = [];
  const heads: Record<string, ExportedLayer> = {};
  for (const layer of net.layers) {
    const weights = layer.getWeights();
    if (weights.length !== 2) continue; // the input layer has none
    const [kernel, bias] = weights;
    const short = layer.name.startsWith(`${netName}_`) ? layer.name.slice(netName.length + 1) : layer.name;
    const entry: ExportedLayer = {
      name: short, in: Number(kernel.shape[0]), out: Number(kernel.shape[1]),
      activation: String((layer.getConfig() as { activation?: string }).activation ?? 'linear'),
      kernel: `${netName}.${short}.kernel`, bias: `${netName}.${short}.bias`,
    };
    tensors[entry.kernel] = { dtype: 'F32', shape: [...kernel.shape], data: kernel.dataSync() as Float32Array };
    tensors[entry.bias] = { dtype: 'F32', shape: [...bias.shape], data: bias.dataSync() as Float32Array };
    if (short.startsWith('dense')) hidden.push(entry);
    else heads[short] = entry;
  }
  return { input: Number(net.inputs[0].shape[1]), hidden, heads };
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
    kernelLayout: 'kernel is [in, out]: y = activation(x · kernel + bias); torch.nn.Linear.weight = kernel transposed',
    nets,
    likelihood: model.config.likelihood,
    prior: model.config.prior,
    semantics: {
      encoder: 'code' in nets.encoder.heads
        ? 'deterministic encoder: z = code (the last hidden layer through the code head)'
        : 'q(z|x) = N(loc, diag exp(logvar)); heads loc and logvar read the last hidden layer',
      ...(nets.discriminator ? { discriminator: 'D(z) = sigmoid(logit): the probability that z was drawn from the prior' } : {}),
      decoder: model.config.likelihood.kind === 'bernoulli'
        ? 'p(x|z) = Bernoulli(sigmoid(logits)), pixels in [0,1] flattened row-major'
        : 'p(x|z) = N(loc, σ²); learned variance: log σ² = softplus(logvar + 6) − 6',
      input: `x flattened row-major from shape ${dataShape.join('×')}, values in [0, 1]`,
    },
  };
  const bytes = encodeSafetensors(tensors, { format: 'latentlab', architecture: JSON.stringify(architecture), ...metadata });
  return { bytes, architecture };
}
