import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers/tf.js';
import { applyMlp, buildMlp, trainableVariables, type Activation } from '../src/core/nets/mlp.js';

before(setupBackend);

/** The reference: tfjs-layers' own forward pass. */
function layersApply(net: ReturnType<typeof buildMlp>, x: tf.Tensor): tf.Tensor[] {
  const out = net.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

function closeTo(got: tf.Tensor, want: tf.Tensor, label: string): void {
  assert.deepEqual(got.shape, want.shape, label);
  const [g, w] = [got.dataSync(), want.dataSync()];
  // The same products and sums in the same order: equal up to the last bit or two.
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= 1e-6 * Math.max(1, Math.abs(w[i])), `${label}[${i}]: ${v} vs ${w[i]}`));
}

describe('dense nets through the matrix-product kernel (nets/mlp.ts)', () => {
  const nets: [string, Activation, number[], number][] = [
    ['encoder-like', 'relu', [40, 30], 2], ['decoder-like', 'relu', [30], 1], ['linear', 'linear', [12], 1], ['tanh', 'tanh', [40, 30], 2],
  ];
  for (const [name, activation, hidden, heads] of nets) {
    it(`${name}: outputs, and gradients for weights and input, equal tfjs-layers'`, () => {
      const net = buildMlp({ name, inputSize: 23, hidden, heads: Array.from({ length: heads }, (_, j) => ({ name: `h${j}`, size: 7 + j })), activation, seed: 3 });
      const vars = trainableVariables(net);
      const x = tf.randomNormal([9, 23], 0, 1, 'float32', 4);
      const outs = applyMlp(net, x, true);
      layersApply(net, x).forEach((want, j) => closeTo(outs[j], want, `head ${j}`));
      const weights = outs.map((_, j) => tf.randomNormal([9, 7 + j], 0, 1, 'float32', 10 + j));
      const loss = (f: (x: tf.Tensor) => tf.Tensor[]) => (input: tf.Tensor) =>
        f(input).reduce((s, h, j) => tf.add(s, tf.sum(tf.mul(h, weights[j]))), tf.scalar(0)) as tf.Scalar;
      const ours = tf.variableGrads(() => loss((t) => applyMlp(net, t, true))(x), vars);
      const theirs = tf.variableGrads(() => loss((t) => layersApply(net, t))(x), vars);
      closeTo(ours.value, theirs.value, 'loss');
      for (const v of vars) closeTo(ours.grads[v.name], theirs.grads[v.name], v.name);
      closeTo(tf.grad(loss((t) => applyMlp(net, t, true)))(x), tf.grad(loss((t) => layersApply(net, t)))(x), 'd/dx');
    });
  }

  it('on wasm, a layer is one kernel: no separate bias add or ReLU', async () => {
    const { MATMUL_KERNEL } = await import('../src/core/engine/wasm-kernels.js');
    if (tf.getBackend() !== 'wasm') return;
    const net = buildMlp({ name: 'k', inputSize: 5, hidden: [6], heads: [{ name: 'o', size: 3 }], activation: 'relu', seed: 1 });
    const x = tf.randomNormal([4, 5]);
    const info = await tf.profile(() => applyMlp(net, x, true));
    assert.deepEqual(info.kernels.map((k) => k.name), [MATMUL_KERNEL, MATMUL_KERNEL]);
  });

  it('on the native engine a tanh layer is one kernel too, and its gradient one more', async (t) => {
    const { MATMUL_KERNEL, TANH_GRAD_KERNEL, hasFusedKernel } = await import('../src/core/engine/wasm-kernels.js');
    if (!hasFusedKernel(TANH_GRAD_KERNEL)) return t.skip('tanh layers are fused on the native engine only');
    const net = buildMlp({ name: 'th', inputSize: 5, hidden: [6], heads: [{ name: 'o', size: 3 }], activation: 'tanh', seed: 1 });
    const x = tf.randomNormal([4, 5]);
    const forward = await tf.profile(() => applyMlp(net, x, true));
    assert.deepEqual(forward.kernels.map((k) => k.name), [MATMUL_KERNEL, MATMUL_KERNEL]);
    const vars = trainableVariables(net);
    const backward = await tf.profile(() => tf.variableGrads(() => tf.sum(applyMlp(net, x, true)[0]) as tf.Scalar, vars).grads);
    assert.equal(backward.kernels.filter((k) => k.name === TANH_GRAD_KERNEL).length, 1);
    assert.equal(backward.kernels.filter((k) => k.name === 'Tanh').length, 0);
  });

  it('the kernel\'s gradient on operands with a batch axis of one equals TF.js\'s fused product', async () => {
    const { MATMUL_KERNEL } = await import('../src/core/engine/wasm-kernels.js');
    if (tf.getBackend() !== 'wasm') return;
    const a = tf.randomNormal([1, 6, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal([1, 5, 9], 0, 1, 'float32', 2);
    const bias = tf.randomNormal([9], 0, 1, 'float32', 3);
    const w = tf.randomNormal([1, 6, 9], 0, 1, 'float32', 4);
    const attrs = { transposeA: false, transposeB: false, activation: 'relu' };
    const ours = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(tf.engine().runKernel(MATMUL_KERNEL, { a: p, b: q, bias: r }, attrs) as tf.Tensor, w)))([a, b, bias]);
    const theirs = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(p, q), r)), w)))([a, b, bias]);
    ours.forEach((g, i) => closeTo(g, theirs[i], `input ${i}`));
  });

  it('other activations, and inputs of rank 3, still work', () => {
    const net = buildMlp({ name: 'tanh', inputSize: 5, hidden: [6], heads: [{ name: 'o', size: 3 }], activation: 'tanh', seed: 1 });
    const x = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 2);
    const [out] = applyMlp(net, x, false);
    assert.deepEqual(out.shape, [2, 4, 3]);
    closeTo(tf.reshape(out, [8, 3]), layersApply(net, tf.reshape(x, [8, 5]))[0], 'tanh net');
    const relu = buildMlp({ name: 'r', inputSize: 5, hidden: [6], heads: [{ name: 'o', size: 3 }], activation: 'relu', seed: 1 });
    closeTo(tf.reshape(applyMlp(relu, x, false)[0], [8, 3]), layersApply(relu, tf.reshape(x, [8, 5]))[0], 'rank 3');
  });

  it('a training step keeps the tensor count flat', () => {
    const net = buildMlp({ name: 'flat', inputSize: 11, hidden: [8], heads: [{ name: 'a', size: 2 }, { name: 'b', size: 2 }], activation: 'relu', seed: 5 });
    const vars = trainableVariables(net);
    const x = tf.randomNormal([4, 11]);
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.add(...(applyMlp(net, x, true) as [tf.Tensor, tf.Tensor]))) as tf.Scalar, vars);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, before);
  });
});
