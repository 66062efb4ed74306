/**
 * Encoder and decoder nets by kind (`encoder.kind` / `decoder.kind` in the
 * config: the MLP when absent, or 'conv'), from a typed table. Every net
 * takes and gives flat tensors — an example as its H·W·C values, row-major —
 * so the models do not ask which kind they hold; `applyNet` runs either.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ConvConfig, MlpConfig, NetConfig } from '../config/schema.js';
import { buildConvDecoder, buildConvEncoder, convSizes } from './conv.js';
import { applyMlp, buildMlp } from './mlp.js';

export type NetKind = 'mlp' | 'conv';
type Head = { readonly name: string; readonly size: number };

/** What an encoder reads and gives: examples of `dataShape` (plus `extraInputs` columns, a one-hot label) → heads. */
export interface EncoderRequest {
  readonly name: string;
  readonly dataShape: readonly number[];
  readonly extraInputs: number;
  readonly heads: readonly Head[];
  readonly seed: number;
}

/** What a decoder reads and gives: `inputSize` columns (a code, labels) → heads, each the size of an example. */
export interface DecoderRequest {
  readonly name: string;
  readonly inputSize: number;
  readonly dataShape: readonly number[];
  readonly heads: readonly Head[];
  readonly seed: number;
}

interface NetBuilder<S extends NetConfig> {
  encoder(spec: S, request: EncoderRequest): tfl.LayersModel;
  decoder(spec: S, request: DecoderRequest): tfl.LayersModel;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

type SpecOf<K extends NetKind> = K extends 'conv' ? ConvConfig : MlpConfig;

/** The builders by kind: adding a kind is its file under nets/, its schema in config/schema.ts, and an entry here. */
const netBuilders: { readonly [K in NetKind]: NetBuilder<SpecOf<K>> } = {
  mlp: {
    encoder: (spec, r) => buildMlp({
      name: r.name, inputSize: size(r.dataShape) + r.extraInputs, hidden: spec.hidden, heads: r.heads, activation: spec.activation, seed: r.seed, init: spec.init,
    }),
    decoder: (spec, r) => buildMlp({ name: r.name, inputSize: r.inputSize, hidden: spec.hidden, heads: r.heads, activation: spec.activation, seed: r.seed, init: spec.init }),
  },
  conv: {
    encoder: (spec, r) => buildConvEncoder({ ...r, net: spec }),
    decoder: (spec, r) => buildConvDecoder({ ...r, net: spec }),
  },
};

/** The kind of a net spec ('mlp' when it names none). */
export const netKind = (spec: NetConfig): NetKind => spec.kind ?? 'mlp';

/** A fresh encoder net for `spec`. */
export function buildEncoderNet(spec: NetConfig, request: EncoderRequest): tfl.LayersModel {
  const builder: NetBuilder<NetConfig> = netBuilders[netKind(spec)];
  return builder.encoder(spec, request);
}

/** A fresh decoder net for `spec`. */
export function buildDecoderNet(spec: NetConfig, request: DecoderRequest): tfl.LayersModel {
  const builder: NetBuilder<NetConfig> = netBuilders[netKind(spec)];
  return builder.decoder(spec, request);
}

/**
 * Applies a net to `x` [..., width] (leading axes flattened, as applyMlp);
 * one tensor per head. A net with several inputs (a conv encoder's image
 * and label) reads them as consecutive column blocks of `x`.
 */
export function applyNet(net: tfl.LayersModel, x: tf.Tensor, training: boolean): tf.Tensor[] {
  if (net.inputs.length === 1) return applyMlp(net, x, training);
  const widths = net.inputs.map((input) => input.shape[input.shape.length - 1]!);
  const lead = x.shape.slice(0, -1);
  const flat = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
  const out = net.apply(tf.split(flat, widths, -1), { training }) as tf.Tensor | tf.Tensor[];
  const heads = Array.isArray(out) ? out : [out];
  return x.rank === 2 ? heads : heads.map((h) => tf.reshape(h, [...lead, h.shape[1]!]));
}

/**
 * The widths a net of `spec` has for examples of `dataShape`, besides the
 * example itself: its hidden widths, and for a conv net its channels and
 * its flattened smallest feature map. (A run folder's sizes are checked
 * against its checkpoint with these and `convKernelSizes` before the nets
 * its config describes are built.)
 */
export function netWidths(spec: NetConfig, dataShape: readonly number[]): number[] {
  if (spec.kind !== 'conv') return [...spec.hidden];
  const layers = spec.channels.length;
  const map = dataShape.length >= 2 ? convSizes(dataShape[0], spec)[layers] * convSizes(dataShape[1], spec)[layers] * spec.channels[layers - 1] : 0;
  return [...spec.hidden, ...spec.channels, map];
}

/** The number of values in each convolution kernel of a conv net (none for an MLP): k²·in·out, image channels first. */
export function convKernelSizes(spec: NetConfig, dataShape: readonly number[]): number[] {
  if (spec.kind !== 'conv') return [];
  const channels = [dataShape[2] ?? 1, ...spec.channels];
  return spec.channels.map((c, i) => spec.kernel ** 2 * channels[i] * c);
}
