import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, mergeConfig, resolveConfig, resolveStoredConfig } from '../src/core/config/resolve.js';
import { configOf, isAdversarialConfig } from '../src/core/config/schema.js';
import { configFromFlags, type TrainFlags } from '../src/node/cli/train.js';
import { UserError } from '../src/node/errors.js';
import { readConfigFile } from '../src/node/presets.js';

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
    assert.throws(() => resolveConfig({ model: 'aae', wae: { mmdWeight: 1 } }), /an aae has no wae settings; "wae" is for the Wasserstein autoencoder/);
    assert.throws(() => resolveConfig({ model: 'wae', adversarial: { inputNoise: 0.3 } }), /a wae has no adversarial settings/);
    assert.throws(() => resolveConfig({ model: 'wae', labels: { use: 'prior' } }), /labels\.use: "prior" .* needs model "aae"; a wae can use "conditional"/);
  });

  it('the WAE has its own slice: the encoder kind, λ, the kernel\'s scales and σ²_p', () => {
    const wae = configOf(resolveConfig({ model: 'wae' }), 'wae');
    assert.deepEqual({ ...wae.wae, scales: [...wae.wae.scales] }, { encoder: 'deterministic', mmdWeight: 100, scales: [0.1, 0.2, 0.5, 1, 2, 5, 10] });
    assert.ok(!('adversarial' in wae) && !isAdversarialConfig(wae), 'no discriminator, so no adversarial slice (and lr-drop has no discriminator to drop)');
    assert.throws(() => resolveConfig({ model: 'wae', wae: { scales: [] } }), /wae\.scales/);
    assert.throws(() => resolveConfig({ model: 'wae', wae: { mmdWeight: -1 } }), /wae\.mmdWeight/);
    assert.equal(configOf(resolveConfig({ model: 'wae', prior: { kind: 'swiss-roll' } }), 'wae').prior.kind, 'swiss-roll', 'any prior that can be sampled');
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

describe('settings the model would refuse are refused when the config is read', () => {
  it('names the field, so that the file or flag it came from is named too', () => {
    assert.deepEqual(issuesOf({ prior: { kind: 'swiss-roll' } }), ['prior.kind: a VAE needs a prior with a density that is positive everywhere (its KL term is E_q[log q − log p]); swiss-roll has no density: train it with an adversarial autoencoder instead']);
    assert.match(issuesOf({ prior: { kind: 'uniform' } })[0], /^prior\.kind: .*uniform is zero outside its support/);
    assert.match(issuesOf({ prior: { kind: 'samples', file: 'z.npy' } })[0], /^prior\.kind: .*samples has no density/);
    assert.deepEqual(issuesOf({ model: 'aae', latentDim: 3, prior: { kind: 'swiss-roll' } }), ['prior.kind: swiss-roll is a 2-D prior; latentDim is 3']);
    assert.match(issuesOf({ model: 'aae', latentDim: 1, prior: { kind: 'gaussian-mixture' } })[0], /^prior\.kind: gaussian-mixture: the circle layout needs a latent of at least 2 dimensions/);
    assert.deepEqual(issuesOf({ model: 'aae', labels: { use: 'prior', classes: 4 }, prior: { kind: 'gaussian-mixture', components: 3 } }),
      ['labels.use: label-guided training gives each of the 4 classes its own part of the prior: use a gaussian-mixture or swiss-roll prior with 4 components (the prior is gaussian-mixture with 3)']);
    assert.throws(() => resolveStoredConfig({ model: 'aae', labels: { use: 'prior', classes: 4 }, prior: { kind: 'gaussian-mixture', components: 3 } }),
      (e: unknown) => e instanceof ConfigError && /^config\.json: invalid configuration\n {2}- labels\.use: label-guided training/.test(e.message));
  });

  it('still accepts what the models build', () => {
    resolveConfig({ model: 'aae', prior: { kind: 'swiss-roll' } });
    resolveConfig({ model: 'aae', latentDim: 1, prior: { kind: 'gaussian-mixture', means: [[0], [2]] } });
    resolveConfig({ model: 'aae', labels: { use: 'prior', classes: 4 }, prior: { kind: 'swiss-roll', components: 4 } });
    resolveConfig({ prior: { kind: 'gaussian-mixture' } });
  });
});

describe('config files and flags: messages that name the file or flag, on their lines', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'latentlab-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const flags = (more: Partial<TrainFlags>): TrainFlags => ({ backend: 'wasm', out: dir, ...more });
  const userError = (fn: () => unknown, message: string | RegExp) => assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });

  it('a config file that is not JSON: the parser\'s quote of the text is escaped, control characters too', () => {
    const file = path.join(dir, 'nul.json');
    writeFileSync(file, '\u0000\n  "model": "aae"');
    assert.throws(() => readConfigFile(file), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.ok(e.message.startsWith(`${file}: not valid JSON (`), e.message);
          assert.doesNotMatch(e.message, /[\u0000-\u001f]/, 'a control character or a line break in the message');
      assert.ok(e.message.includes('\\u0000'), `the NUL is shown escaped: ${e.message}`);
      return true;
    });
  });

  it('an unknown key holding a line break or a control character is quoted as JSON', () => {
    assert.deepEqual(issuesOf({ 'lr\n    at evil': 1 }), ['unknown key "lr\\n    at evil"']);
    assert.deepEqual(issuesOf({ train: { '\u2028seed': 1 } }), ['unknown key "\\u2028seed" in train']);
  });

  it('every config field a flag sets names the flag, also for an element of a list', () => {
    userError(() => configFromFlags(flags({ data: '' })), /^configuration: invalid configuration\n {2}- data\.source: .* \(--data\)$/);
    userError(() => configFromFlags(flags({ hidden: [20000] })), /- encoder\.hidden\.0: .* \(--hidden\/--encoder-hidden\)/);
    userError(() => configFromFlags(flags({ model: 'aae', discriminatorHidden: [20000] })), /- adversarial\.discriminator\.hidden\.0: .* \(--discriminator-hidden\)/);
  });

  it('WAE flags are refused for the other models, adversarial flags for the WAE, each by name', () => {
    userError(() => configFromFlags(flags({ mmdWeight: 5 })), '--mmd-weight: for the Wasserstein autoencoder (--model wae); a vae has no MMD penalty');
    userError(() => configFromFlags(flags({ model: 'aae', mmdWeight: 5 })), '--mmd-weight: for the Wasserstein autoencoder (--model wae); an aae has no MMD penalty');
    userError(() => configFromFlags(flags({ encoder: 'gaussian' })), /^--encoder: for --model aae or wae.*a vae's encoder is always Gaussian$/);
    userError(() => configFromFlags(flags({ model: 'clustering-aae', encoder: 'gaussian' })), /^--encoder: for --model aae or wae/);
    userError(() => configFromFlags(flags({ model: 'wae', generatorWeight: 3, discriminatorSteps: 2 })),
      '--discriminator-steps, --generator-weight: for the adversarial models (--model aae, semi-supervised-aae or clustering-aae); a wae has no discriminator');
    const wae = configOf(configFromFlags(flags({ model: 'wae', mmdWeight: 30, encoder: 'gaussian' })), 'wae');
    assert.equal(wae.wae.mmdWeight, 30);
    assert.equal(wae.wae.encoder, 'gaussian');
    assert.equal(configOf(configFromFlags(flags({ model: 'aae', encoder: 'gaussian' })), 'aae').adversarial.encoder, 'gaussian');
  });

  it('prior flags that do not shape the chosen prior are refused, by name', () => {
    userError(() => configFromFlags(flags({ prior: 'standard-normal', priorStd: 2 })), '--prior-std applies to --prior gaussian-mixture, not standard-normal');
    userError(() => configFromFlags(flags({ model: 'aae', prior: 'swiss-roll', priorRadius: 2 })), '--prior-radius applies to --prior gaussian-mixture, not swiss-roll');
    userError(() => configFromFlags(flags({ model: 'aae', priorFile: 'z.npy', priorComponents: 3, prior: 'uniform' })), '--prior-file gives the prior by its samples; --prior, --prior-components do not apply to it');
    assert.equal(configFromFlags(flags({ model: 'aae', prior: 'swiss-roll', priorComponents: 4 })).prior.kind, 'swiss-roll');
    assert.equal(configFromFlags(flags({ model: 'aae', priorStd: 0.2 })).prior.kind, 'gaussian-mixture');
  });
});
