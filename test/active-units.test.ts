import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '../src/core/config/resolve.js';
import { buildModel } from '../src/core/models/registry.js';
import { makeDataset } from '../src/core/data/dataset.js';
import { activeUnits } from '../src/core/metrics/active-units.js';
import { encodeData } from '../src/core/metrics/latent-match.js';
import { setupBackend } from './helpers/tf.js';

before(setupBackend);

describe('active units (Burda et al. 2015)', () => {
  it('is the variance over the examples of each dimension of the means, counted above 10⁻²', () => {
    // Three dimensions: spread ±0.5 (variance 0.25), ±0.05 (0.0025) and constant.
    const n = 1000;
    const means = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const sign = i % 2 === 0 ? 1 : -1;
      means.set([3 + 0.5 * sign, -1 + 0.05 * sign, 7], i * 3);
    }
    const a = activeUnits(means, n, 3);
    assert.equal(a.count, 1);
    assert.equal(a.of, 3);
    assert.ok(Math.abs(a.variances[0] - 0.25) < 1e-6, `${a.variances[0]}`);
    assert.ok(Math.abs(a.variances[1] - 0.0025) < 1e-6, `${a.variances[1]}`);
    assert.ok(Math.abs(a.variances[2]) < 1e-9, `${a.variances[2]}`);
    assert.equal(activeUnits(means, n, 3, 1e-3).count, 2);
    assert.throws(() => activeUnits(means, n, 4), /not 1000 × 4/);
    assert.throws(() => activeUnits(new Float32Array(3), 1, 3), /at least 2 examples/);
  });

  it('counts a VAE dimension whose mean head ignores x as inactive', () => {
    const config = resolveConfig({ latentDim: 4, encoder: { hidden: [16] }, decoder: { hidden: [16] } });
    const model = buildModel(config, [12]);
    const x = Float32Array.from({ length: 500 * 12 }, (_, i) => ((i * 2654435761) % 997) / 997);
    const data = makeDataset('synthetic', [12], x);
    const loc = model.nets.encoder.layers.find((l) => l.name.endsWith('_loc'));
    assert.ok(loc, `no mean head among ${model.nets.encoder.layers.map((l) => l.name).join(', ')}`);
    const [kernel, bias] = loc.getWeights();
    // Every column scaled up (so each mean moves with x), then column 2 zeroed: z₂'s mean is its bias, whatever x is.
    const mask = tf.tensor1d([10, 10, 0, 10]);
    loc.setWeights([tf.mul(kernel, mask), bias]);
    const a = activeUnits(encodeData(model, data), data.size, 4);
    assert.equal(a.count, 3, `variances ${a.variances}`);
    assert.ok(a.variances[2] < 1e-10, `${a.variances[2]}`);
    tf.dispose([mask]);
    model.dispose();
  });
});
