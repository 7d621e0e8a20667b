import assert from "node:assert/strict";
import { test } from "node:test";
import { dense, Mlp } from "./mlp.js";
import { tf } from "./tf.js";

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

test("x·W + b with explicit-transpose gradients equals tfjs's own matMul and add, value and all gradients", () => {
  for (const [n, k, m] of [
    [256, 21, 64],
    [7, 64, 1],
    [1, 3, 5],
  ] as const) {
    tf.tidy(() => {
      const x = tf.randomNormal([n, k], 0, 1, "float32", n) as tf.Tensor2D;
      const w = tf.randomNormal([k, m], 0, 1, "float32", k) as tf.Tensor2D;
      const b = tf.randomNormal([m], 0, 1, "float32", k + m) as tf.Tensor1D;
      // A non-uniform upstream gradient, so a swapped or untransposed factor cannot pass.
      const weights = tf.randomNormal([n, m], 0, 1, "float32", m);
      type Layer = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
      const loss = (f: Layer) => (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
        tf.sum(tf.mul(f(p as tf.Tensor2D, q as tf.Tensor2D, r as tf.Tensor1D), weights));
      const reference: Layer = (p, q, r) => tf.add(tf.matMul(p, q), r);
      const ours = tf.grads(loss(dense))([x, w, b]);
      const theirs = tf.grads(loss(reference))([x, w, b]);
      assert.ok(maxAbsDiff(dense(x, w, b), reference(x, w, b)) < 1e-5, `${n}×${k}·${k}×${m} value`);
      assert.ok(maxAbsDiff(ours[0]!, theirs[0]!) < 1e-4, `${n}×${k}·${k}×${m} dx`);
      assert.ok(maxAbsDiff(ours[1]!, theirs[1]!) < 1e-4, `${n}×${k}·${k}×${m} dW`);
      assert.ok(maxAbsDiff(ours[2]!, theirs[2]!) < 1e-4, `${n}×${k}·${k}×${m} db`);
    });
  }
});

test("an Mlp's parameter gradients (LayerNorm, tanh output) match the same network built from tf.matMul", () => {
  const net = new Mlp([6, 16, 16, 3], "tanh", 4, "grad_check", true);
  const x = tf.randomNormal([32, 6], 0, 1, "float32", 9) as tf.Tensor2D;
  const reference = (input: tf.Tensor2D): tf.Tensor2D => {
    // The layer maths of Mlp.apply, written again with tfjs's matMul.
    const [w0, b0, g0, s0, w1, b1, g1, s1, w2, b2] = net.variables as tf.Tensor[];
    const ln = (h: tf.Tensor, g: tf.Tensor, s: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(h, 1, true);
      return tf.relu(tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), g), s));
    };
    const h0 = ln(tf.add(tf.matMul(input, w0 as tf.Tensor2D), b0!), g0!, s0!);
    const h1 = ln(tf.add(tf.matMul(h0 as tf.Tensor2D, w1 as tf.Tensor2D), b1!), g1!, s1!);
    return tf.tanh(tf.add(tf.matMul(h1 as tf.Tensor2D, w2 as tf.Tensor2D), b2!)) as tf.Tensor2D;
  };
  const lossOf = (f: (x: tf.Tensor2D) => tf.Tensor2D) => () =>
    tf.sum(tf.square(tf.sub(f(x), 0.3))) as tf.Scalar;
  const ours = tf.variableGrads(
    lossOf((input) => net.apply(input)),
    net.variables,
  );
  const theirs = tf.variableGrads(lossOf(reference), net.variables);
  assert.ok(Math.abs(ours.value.dataSync()[0]! - theirs.value.dataSync()[0]!) < 1e-4, "same loss");
  for (const v of net.variables) {
    const d = maxAbsDiff(ours.grads[v.name]!, theirs.grads[v.name]!);
    assert.ok(d < 1e-4, `${v.name}: gradients differ by ${d}`);
  }
  net.dispose();
});

test("a zero output layer starts every output at 0 and still learns", () => {
  const net = new Mlp([4, 8, 1], "linear", 2, "zero_out", true, true);
  const x = tf.randomNormal([16, 4], 0, 1, "float32", 3) as tf.Tensor2D;
  assert.equal(maxAbsDiff(net.apply(x), tf.zeros([16, 1])), 0);
  const optimizer = tf.train.sgd(0.1);
  for (let i = 0; i < 20; i++)
    optimizer.minimize(
      () => tf.mean(tf.squaredDifference(net.apply(x), tf.onesLike(net.apply(x)))),
      false,
      net.variables,
    );
  const after = tf.mean(net.apply(x)).dataSync()[0]!;
  assert.ok(after > 0.5, `mean output after 20 steps towards 1: ${after}`);
  net.dispose();
});
