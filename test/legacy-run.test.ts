// A run folder written before per-phase optimizers (its config names
// adversarial.discriminatorLearningRate / generatorLearningRate / beta1)
// still evaluates and resumes, training on as the phases it described.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { describeRun, makeTempDir, readJson, runCli } from './helpers/cli.js';

const tmp = makeTempDir('latentlab-legacy-');
after(() => tmp.remove());

describe('an earlier version’s AAE run folder', () => {
  it('evaluates and resumes with its per-phase learning rates read as optimizers', () => {
    const dir = path.join(tmp.dir, 'old-aae');
    const trained = runCli(['train', '--model', 'aae', '--generator', 'separate', '--discriminator-steps', '1', '--train-limit', '300', '--test-limit', '100',
      '--hidden', '16', '--epochs', '1', '--out', tmp.dir, '--name', 'old-aae', '-q']);
    assert.equal(trained.status, 0, describeRun(trained));
    // Rewrite config.json as the earlier version wrote it.
    const file = path.join(dir, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    const { encoder, discriminator, discriminatorSteps } = config.adversarial;
    config.adversarial = { encoder, discriminator, discriminatorSteps, discriminatorLearningRate: 0.001, generatorLearningRate: 0.0005, beta1: 0.5 };
    writeFileSync(file, JSON.stringify(config, null, 2));
    // …and its manifest, which recorded no config digest then.
    const manifestFile = path.join(dir, 'manifest.json');
    const { configDigest, ...manifest } = readJson(manifestFile);
    assert.match(configDigest, /^[0-9a-f]{64}$/);
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    const evaluated = runCli(['eval', dir, '-q']);
    assert.equal(evaluated.status, 0, describeRun(evaluated));
    const resumed = runCli(['train', '--resume', dir, '--epochs', '2', '-q']);
    assert.equal(resumed.status, 0, describeRun(resumed));
    const after = readJson(file);
    assert.equal(after.adversarial.generator, 'separate');
    assert.equal(after.adversarial.generatorOptimizer.learningRate, 0.0005);
    assert.equal(after.adversarial.discriminatorOptimizer.beta1, 0.5);
    assert.equal(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
  });
});

describe('a VAE run folder written before the objective and latentLayers fields', () => {
  it('verifies against its recorded digest, evaluates and resumes', async () => {
    const { createHash } = await import('node:crypto');
    const dir = path.join(tmp.dir, 'old-vae');
    const trained = runCli(['train', '--train-limit', '300', '--test-limit', '100', '--hidden', '16', '--epochs', '1', '--out', tmp.dir, '--name', 'old-vae', '-q']);
    assert.equal(trained.status, 0, describeRun(trained));
    // config.json as the earlier version wrote it, and the digest it recorded (SHA-256 of the canonical JSON, keys sorted,
    // without train.epochs, train.clipGradNorm and the schedules), computed here independently of LatentLab's code.
    const file = path.join(dir, 'config.json');
    const { objective, latentLayers, ...config } = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual([objective, latentLayers], [{ kind: 'elbo' }, []]);
    writeFileSync(file, JSON.stringify(config, null, 2));
    const canonical = (v: unknown, key = ''): string => {
      if (Array.isArray(v)) return `[${v.map((x) => canonical(x, '[]')).join(',')}]`;
      if (v && typeof v === 'object') {
        const entries = Object.entries(v as Record<string, unknown>)
          .filter(([k, x]) => x !== undefined && k !== 'schedule' && !(key === 'train' && (k === 'epochs' || k === 'clipGradNorm')))
          .sort(([a], [b]) => (a < b ? -1 : 1));
        return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x, k)}`).join(',')}}`;
      }
      return JSON.stringify(v);
    };
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = readJson(manifestFile);
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, configDigest: createHash('sha256').update(canonical(config)).digest('hex') }, null, 2));
    const evaluated = runCli(['eval', dir, '-q']);
    assert.equal(evaluated.status, 0, describeRun(evaluated));
    const resumed = runCli(['train', '--resume', dir, '--epochs', '2', '-q']);
    assert.equal(resumed.status, 0, describeRun(resumed));
    assert.equal(readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
    // Edited after training: still refused.
    writeFileSync(file, JSON.stringify({ ...readJson(file), latentDim: 3 }, null, 2));
    const edited = runCli(['eval', dir, '-q']);
    assert.notEqual(edited.status, 0);
    assert.match(edited.stderr, /does not match the digest/);
  });
});
