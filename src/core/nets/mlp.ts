/**
 * Multi-layer perceptrons as serialisable tf.LayersModels.
 *
 * Layers are named `${name}_dense${i}` so weight names are stable across
 * processes (TF.js would otherwise number them with a global counter).
 * Initialisation (`init`, seeded per layer) follows PyTorch's nn.Linear
 * default unless the config names another: W, b ~ U(−1/√fan_in, 1/√fan_in)
 * — the variance-scaling initialiser with scale ⅓, fan-in mode, uniform —
 * which the canonical reference VAE uses; `"he"` U(±√(6/fan_in)) weights,
 * `"glorot"` U(±√(6/(fan_in + fan_out))) weights (the IWAE paper's), both
 * with zero biases.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { hasFusedKernel, MATMUL_KERNEL, TANH_GRAD_KERNEL } from '../engine/wasm-kernels.js';

export type Activation = 'relu' | 'tanh' | 'elu' | 'sigmoid' | 'linear';
export type Init = 'pytorch' | 'he' | 'glorot';

/** A dense or conv layer's initialisers for `init` (module doc), `fanIn` inputs per output. */
export function initialisers(init: Init | undefined, fanIn: number, seed: number) {
  if (init === 'he' || init === 'glorot') {
    return {
      kernelInitializer: init === 'he'
        ? tfl.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed })
        : tfl.initializers.varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed }),
      biasInitializer: tfl.initializers.zeros(),
    };
  }
  const bound = 1 / Math.sqrt(fanIn);
  return {
    kernelInitializer: tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed }),
    biasInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed + 1 }),
  };
}

export interface MlpSpec {
  /** Name prefix for the model and its layers (e.g. "encoder"). */
  readonly name: string;
  readonly inputSize: number;
  readonly hidden: readonly number[];
  /**
   * Linear output heads on the last hidden layer, e.g. the encoder's
   * [{name: 'loc', size: d}, {name: 'logVar', size: d}]. One head gives a
   * single-output model; several give a model with one output per head.
   */
  readonly heads: readonly { readonly name: string; readonly size: number }[];
  readonly activation: Activation;
  /** Seed for the initial weights; each layer derives its own. */
  readonly seed: number;
  /** Initialisation (module doc); PyTorch's default when absent. */
  readonly init?: Init;
}

function denseLayer(name: string, units: number, fanIn: number, activation: Activation, seed: number, init: Init | undefined): tfl.layers.Layer {
  return tfl.layers.dense({ name, units, activation, ...initialisers(init, fanIn, seed) });
}

/** Builds the MLP: input → hidden layers (activation) → one linear layer per head. */
export function buildMlp(spec: MlpSpec): tfl.LayersModel {
  const input = tfl.input({ shape: [spec.inputSize], name: `${spec.name}_input` });
  let h: tfl.SymbolicTensor = input;
  let fanIn = spec.inputSize;
  spec.hidden.forEach((units, i) => {
    h = denseLayer(`${spec.name}_dense${i}`, units, fanIn, spec.activation, spec.seed + 2 * i, spec.init).apply(h) as tfl.SymbolicTensor;
    fanIn = units;
  });
  const base = spec.seed + 2 * spec.hidden.length;
  const outputs = spec.heads.map(
    (head, j) => denseLayer(`${spec.name}_${head.name}`, head.size, fanIn, 'linear', base + 2 * j, spec.init).apply(h) as tfl.SymbolicTensor,
  );
  return tfl.model({ name: spec.name, inputs: input, outputs: outputs.length === 1 ? outputs[0] : outputs });
}

/** The tf.Variables of a model's trainable weights (for explicit var lists). */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

interface DenseStep {
  readonly name: string;
  readonly input: string;
  readonly activation: 'relu' | 'linear' | 'tanh';
  readonly weights: tfl.LayerVariable[];
}

const denseSteps = new WeakMap<tfl.LayersModel, DenseStep[] | null>();

/**
 * The net as a list of dense layers in topological order, each with the one
 * layer it reads, when it is nothing else (one input; Dense layers with a
 * bias and a ReLU, tanh or linear activation); otherwise null.
 */
function denseStepsOf(net: tfl.LayersModel): DenseStep[] | null {
  if (denseSteps.has(net)) return denseSteps.get(net)!;
  let steps: DenseStep[] | null = [];
  if (net.inputs.length !== 1) steps = null;
  for (const layer of net.layers) {
    if (!steps) break;
    if (layer.getClassName() === 'InputLayer') continue;
    const config = layer.getConfig() as { activation?: string; useBias?: boolean };
    const inbound = layer.inboundNodes;
    if (layer.getClassName() !== 'Dense' || !config.useBias || !['relu', 'linear', 'tanh'].includes(config.activation ?? '')
        || inbound.length !== 1 || inbound[0].inboundLayers.length !== 1 || layer.trainableWeights.length !== 2) {
      steps = null;
      break;
    }
    steps.push({ name: layer.name, input: inbound[0].inboundLayers[0].name, activation: config.activation as DenseStep['activation'], weights: layer.trainableWeights });
  }
  denseSteps.set(net, steps);
  return steps;
}

/**
 * The net's forward pass with each dense layer as one matrix-product kernel
 * (product, bias and ReLU, or tanh on the native engine; engine/wasm-kernels.ts)
 * instead of tfjs-layers' apply, which dispatches a reshape, a product, a bias
 * add and an activation per layer and clones each for the gradient tape. Same
 * weights, same arithmetic (tanh: the native engine's, within 3e-7 of the C
 * library's); null where those kernels are not registered or the net is not
 * a plain dense net.
 */
function applyDense(net: tfl.LayersModel, x: tf.Tensor): tf.Tensor[] | null {
  const steps = hasFusedKernel(MATMUL_KERNEL) ? denseStepsOf(net) : null;
  if (!steps || (steps.some((s) => s.activation === 'tanh') && !hasFusedKernel(TANH_GRAD_KERNEL))) return null;
  const values = new Map<string, tf.Tensor>([[net.inputLayers[0].name, x]]);
  for (const { name, input, activation, weights } of steps) {
    const [kernel, bias] = weights.map((w) => w.read());
    const attrs = { transposeA: false, transposeB: false, activation };
    values.set(name, tf.engine().runKernel(MATMUL_KERNEL, { a: values.get(input)!, b: kernel, bias }, attrs) as tf.Tensor);
  }
  return net.outputLayers.map((l) => values.get(l.name)!);
}

/** Applies a net to a tensor of any rank ≥ 2 (leading axes are flattened); one tensor per head. */
export function applyMlp(net: tfl.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  const lead = x.shape.slice(0, -1);
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
  const out = (flat.dtype === 'float32' ? applyDense(net, flat) : null) ?? (net.apply(flat, { training }) as tf.Tensor | tf.Tensor[]);
  const heads = Array.isArray(out) ? out : [out];
  return x.rank === 2 ? heads : heads.map((h) => tf.reshape(h, [...lead, h.shape[1]!]));
}
