import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, mergeConfig, resolveConfig, resolveStoredConfig } from '../src/core/config/resolve.js';
import { configOf } from '../src/core/config/schema.js';

function issuesOf(input: unknown): string[] {
  try {
    resolveConfig(input, 'test.json');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /^test\.json: invalid configuration/);
    return [...e.issues];
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('fills defaults and freezes the result', () => {
    const c = resolveConfig({});
    assert.equal(c.model, 'vae');
    assert.equal(c.latentDim, 2);
    assert.deepEqual(c.encoder.hidden, [400]);
    assert.equal(c.likelihood.kind, 'bernoulli');
    assert.equal(c.train.optimizer.learningRate, 1e-3);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.train) && Object.isFrozen(c.encoder.hidden));
  });

  it('rejects unknown keys, naming them and where they are', () => {
    assert.deepEqual(issuesOf({ lr: 0.1 }), ['unknown key "lr"']);
    assert.deepEqual(issuesOf({ train: { epochz: 3 } }), ['unknown key "epochz" in train']);
  });

  it('rejects out-of-range values with the field path', () => {
    assert.match(issuesOf({ latentDim: 0 })[0], /^latentDim: /);
    assert.match(issuesOf({ train: { epochs: -1 } })[0], /^train\.epochs: /);
    assert.match(issuesOf({ train: { epochs: 1.5 } })[0], /^train\.epochs: /);
    assert.match(issuesOf({ train: { optimizer: { learningRate: 0 } } })[0], /^train\.optimizer\.learningRate: /);
    assert.match(issuesOf({ encoder: { hidden: [0] } })[0], /^encoder\.hidden\.0: /);
    assert.match(issuesOf({ likelihood: { kind: 'poisson' } })[0], /^likelihood/);
    assert.match(issuesOf({ likelihood: { kind: 'gaussian', variance: -1 } })[0], /^likelihood\.variance/);
    assert.match(issuesOf({ data: { binarize: 'static' } })[0], /^data\.binarize: /);
    assert.equal(issuesOf({ latentDim: 0, seed: -3 }).length, 2, 'every bad field is reported');
  });

  it('accepts the gaussian likelihood with a fixed or learned variance', () => {
    assert.deepEqual(resolveConfig({ likelihood: { kind: 'gaussian' } }).likelihood, { kind: 'gaussian', variance: 'learned' });
    assert.deepEqual(resolveConfig({ likelihood: { kind: 'gaussian', variance: 0.1 } }).likelihood, { kind: 'gaussian', variance: 0.1 });
  });

  it('merges flags over a preset without dropping nested fields', () => {
    const merged = mergeConfig({ train: { epochs: 10, batchSize: 64 }, latentDim: 20 }, { train: { epochs: 3, batchSize: undefined } });
    assert.deepEqual(merged, { train: { epochs: 3, batchSize: 64 }, latentDim: 20 });
  });
});

describe('config per model family', () => {
  it('gives each model only its own slices, with its own defaults', () => {
    const vae = resolveConfig({});
    assert.equal(vae.model, 'vae');
    assert.ok(!('adversarial' in vae) && !('categorical' in vae));
    assert.ok('adversarial' in resolveConfig({ model: 'aae' }) && !('categorical' in resolveConfig({ model: 'aae' })));
    const clustering = configOf(resolveConfig({ model: 'clustering-aae' }), 'clustering-aae');
    assert.equal(clustering.categorical.classes, 16, 'the paper\'s 16 clusters');
    assert.ok(!('labelled' in clustering.categorical));
    assert.equal(configOf(resolveConfig({ model: 'semi-supervised-aae' }), 'semi-supervised-aae').categorical.labelled, 100);
  });

  it('a setting the model would ignore is an error that says which models have it', () => {
    assert.throws(() => resolveConfig({ model: 'vae', adversarial: { inputNoise: 0.3 } }, 'my.json'),
      (e: ConfigError) => /my\.json/.test(e.message) && /unknown key "adversarial".*a vae has no adversarial settings.*aae/.test(e.message));
    assert.throws(() => resolveConfig({ model: 'aae', categorical: { classes: 4 } }), /"categorical" is for the models with a categorical code/);
    assert.throws(() => resolveConfig({ model: 'clustering-aae', categorical: { labelled: 10 } }), /unknown key "labelled" in categorical.*semi-supervised-aae/);
  });

  it('a stored config from before per-model slices loads without the slices its model never used', () => {
    const old = { ...JSON.parse(JSON.stringify(resolveConfig({ model: 'aae' }))), categorical: { classes: 10, labelled: 100, labelledBatchSize: 100 } };
    const vaeOld = { ...old, model: 'vae' };
    assert.deepEqual(resolveStoredConfig(vaeOld), resolveConfig({}));
    assert.deepEqual(resolveStoredConfig(old), resolveConfig({ model: 'aae' }));
    const clustering = configOf(resolveStoredConfig({ ...old, model: 'clustering-aae' }), 'clustering-aae');
    assert.equal(clustering.categorical.classes, 10, 'the stored cluster count is kept');
    assert.throws(() => resolveConfig(vaeOld), /unknown keys? "adversarial"/, 'only stored configs are trimmed');
  });
});

describe('mixture prior given by its means', () => {
  it('has one component per mean: the count is filled in, a contradiction or a mean of the wrong size is an error', () => {
    const mixture = (prior: object) => resolveConfig({ model: 'aae', prior: { kind: 'gaussian-mixture', ...prior } });
    const filled = mixture({ means: [[0, 0], [1, 1]] }).prior;
    assert.equal(filled.kind === 'gaussian-mixture' && filled.components, 2);
    assert.throws(() => mixture({ components: 3, means: [[0, 0], [1, 1]] }), /prior\.components: 3 components but 2 means/);
    assert.throws(() => mixture({ means: [[0, 0, 0], [1, 1]] }), /prior\.means\.0: has 3 coordinates; the latent space has 2/);
    const stored = resolveStoredConfig({ model: 'aae', prior: { kind: 'gaussian-mixture', components: 10, means: [[0, 0], [1, 1]] } }).prior;
    assert.equal(stored.kind === 'gaussian-mixture' && stored.components, 2, 'a stored run keeps loading, with the count it used');
  });
});

describe('mergeConfig', () => {
  it('treats undefined as "not given" even where the base has no object to merge into', () => {
    assert.deepEqual(mergeConfig({}, { prior: { kind: 'swiss-roll', components: undefined } }), { prior: { kind: 'swiss-roll' } });
    assert.deepEqual(mergeConfig({ a: 1 }, undefined), { a: 1 });
    assert.deepEqual(mergeConfig({ a: [1, 2] }, { a: [3] }), { a: [3] });
    assert.deepEqual(mergeConfig({}, { adversarial: { discriminator: { hidden: undefined } } }), {});
    assert.deepEqual(configOf(resolveConfig(mergeConfig({ model: 'aae' }, { adversarial: { discriminator: { hidden: undefined } } })), 'aae').adversarial.discriminator.hidden, [256, 256]);
  });
});
