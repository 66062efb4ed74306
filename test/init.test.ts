import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel } from '../src/core/models/registry.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);

/** Every dense/conv layer of a net: its kernel's values, fan-in and fan-out, and its bias. */
function layers(net: tfl.LayersModel) {
  return net.layers.filter((l) => l.getWeights().length === 2).map((l) => {
    const [kernel, bias] = l.getWeights();
    const shape = kernel.shape;
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    return {
      name: l.name, w: kernel.dataSync() as Float32Array, b: bias.dataSync() as Float32Array,
      fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1],
    };
  });
}

const variance = (w: Float32Array) => {
  let m = 0;
  for (const v of w) m += v;
  m /= w.length;
  let s = 0;
  for (const v of w) s += (v - m) ** 2;
  return s / w.length;
};

/** U(±limit): every value inside, and the variance limit²/3 within 10 % on the large layers. */
function assertUniform(w: Float32Array, limit: number, what: string) {
  assert.ok(w.every((v) => Math.abs(v) <= limit * (1 + 1e-6)), `${what}: a value outside ±${limit}`);
  if (w.length >= 2000) {
    const ratio = variance(w) / (limit * limit / 3);
    assert.ok(Math.abs(ratio - 1) < 0.1, `${what}: variance ${ratio.toFixed(3)} × limit²/3`);
  }
}

describe('net initialisation (init: pytorch | he | glorot)', () => {
  const mlp = (init?: string) => resolveConfig({
    latentDim: 20, encoder: { hidden: [200, 100], activation: 'tanh', ...(init ? { init } : {}) }, decoder: { hidden: [100], activation: 'tanh', ...(init ? { init } : {}) },
  });

  it('is optional: a config without it resolves without the key (stored runs keep their digest)', () => {
    const c = mlp();
    assert.equal('init' in c.encoder, false);
    assert.equal('init' in c.decoder, false);
    assert.throws(() => resolveConfig({ encoder: { init: 'xavier' } }), /init/);
  });

  for (const [init, limit, zeroBias] of [
    [undefined, (fanIn: number) => 1 / Math.sqrt(fanIn), false],
    ['he', (fanIn: number) => Math.sqrt(6 / fanIn), true],
    ['glorot', (fanIn: number, fanOut: number) => Math.sqrt(6 / (fanIn + fanOut)), true],
  ] as const) {
    it(`${init ?? 'default (PyTorch)'}: the MLP's weights are uniform on the stated bound, biases ${zeroBias ? 'zero' : 'uniform on ±1/√fan_in'}`, () => {
      const model = buildModel(mlp(init), [784]);
      const all = [...layers(model.nets.encoder), ...layers(model.nets.decoder)];
      assert.equal(all.length, 4 + 2, all.map((l) => l.name).join(', '));
      for (const l of all) {
        assertUniform(l.w, limit(l.fanIn, l.fanOut), `${l.name} weights`);
        if (zeroBias) assert.ok(l.b.every((v) => v === 0), `${l.name}: biases not zero`);
        else {
          assertUniform(l.b, 1 / Math.sqrt(l.fanIn), `${l.name} biases`);
          assert.ok(l.b.some((v) => v !== 0), `${l.name}: biases all zero`);
        }
      }
      model.dispose();
    });
  }

  it('reaches the stacked layers\' nets, the AAE\'s discriminator and conv nets', () => {
    const stacked = buildModel(resolveConfig({ latentDim: 4, latentLayers: [{ size: 8, hidden: [16] }], encoder: { hidden: [32], init: 'glorot' }, decoder: { hidden: [32], init: 'glorot' } }), [30]);
    for (const name of ['encoder1', 'decoder1']) {
      for (const l of layers(stacked.nets[name])) {
        assertUniform(l.w, Math.sqrt(6 / (l.fanIn + l.fanOut)), `${name}/${l.name}`);
        assert.ok(l.b.every((v) => v === 0), `${name}/${l.name}: biases not zero`);
      }
    }
    stacked.dispose();
    const aae = buildModel(resolveConfig({ model: 'aae', latentDim: 2, encoder: { hidden: [16] }, decoder: { hidden: [16] }, adversarial: { discriminator: { hidden: [64, 64], init: 'glorot' } } }), [30]);
    for (const l of layers(aae.nets.discriminator)) {
      assertUniform(l.w, Math.sqrt(6 / (l.fanIn + l.fanOut)), `discriminator/${l.name}`);
      assert.ok(l.b.every((v) => v === 0), `discriminator/${l.name}: biases not zero`);
    }
    // The encoder and decoder kept PyTorch's default: non-zero biases.
    assert.ok(layers(aae.nets.encoder).every((l) => l.b.some((v) => v !== 0)));
    aae.dispose();
    const conv = buildModel(resolveConfig({ latentDim: 3, encoder: { kind: 'conv', channels: [8, 16], kernel: 3, hidden: [32], init: 'glorot' }, decoder: { kind: 'conv', channels: [8, 16], kernel: 3, hidden: [32], init: 'glorot' } }), [12, 12]);
    const convLayers = [...layers(conv.nets.encoder), ...layers(conv.nets.decoder)];
    assert.ok(convLayers.some((l) => l.name.includes('conv')), convLayers.map((l) => l.name).join(', '));
    for (const l of convLayers) {
      assertUniform(l.w, Math.sqrt(6 / (l.fanIn + l.fanOut)), `conv/${l.name}`);
      assert.ok(l.b.every((v) => v === 0), `conv/${l.name}: biases not zero`);
    }
    conv.dispose();
  });
});
