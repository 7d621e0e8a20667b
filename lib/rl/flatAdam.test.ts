import assert from "node:assert/strict";
import { test } from "node:test";
import { FlatAdam } from "./flatAdam.js";
import { Mlp } from "./mlp.js";
import { tf } from "./tf.js";

/** Two copies of one LayerNorm network and a regression loss for each. */
function twins(): { nets: [Mlp, Mlp]; loss: (net: Mlp) => () => tf.Scalar } {
  const nets: [Mlp, Mlp] = [
    new Mlp([5, 12, 12, 2], "linear", 3, "adam_a", true),
    new Mlp([5, 12, 12, 2], "linear", 3, "adam_b", true),
  ];
  const x = tf.randomNormal([40, 5], 0, 1, "float32", 1);
  const y = tf.randomNormal([40, 2], 0, 1, "float32", 2);
  return { nets, loss: (net) => () => tf.mean(tf.squaredDifference(net.apply(x as tf.Tensor2D), y)) };
}

test("flat Adam takes the same steps as tf.train.adam", () => {
  const { nets, loss } = twins();
  const ours = new FlatAdam(nets[0].variables, 1e-2);
  const theirs = tf.train.adam(1e-2);
  for (let step = 0; step < 25; step++) {
    const a = ours.minimize(loss(nets[0]));
    const b = theirs.minimize(loss(nets[1]), true, nets[1].variables)!.dataSync()[0]!;
    assert.ok(Math.abs(a - b) < 1e-5, `step ${step}: loss ${a} vs ${b}`);
  }
  const [wa, wb] = [nets[0].read(), nets[1].read()];
  wa.forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - wb[i]![j]!) < 1e-5, `weight ${i}[${j}]`)));
});

test("flat Adam's state restores into a fresh optimizer, which then continues identically", () => {
  const { nets, loss } = twins();
  const first = new FlatAdam(nets[0].variables, 1e-2);
  for (let i = 0; i < 5; i++) first.minimize(loss(nets[0]));
  nets[1].copyFrom(nets[0]);
  const second = new FlatAdam(nets[1].variables, 1e-2);
  second.restore(first.state());
  for (let i = 0; i < 5; i++)
    assert.equal(first.minimize(loss(nets[0])), second.minimize(loss(nets[1])), `step ${i}`);
  assert.throws(
    () => second.restore({ iterations: 1, m: new Float32Array(3), v: new Float32Array(3) }),
    /optimizer state has 3 and 3 moments, the networks have \d+ parameters/,
  );
});

test("weight decay shrinks every weight by learningRate·weightDecay of itself on top of Adam's step", () => {
  const { nets, loss } = twins();
  nets[1].copyFrom(nets[0]);
  const [lr, wd] = [1e-2, 3];
  const plain = new FlatAdam(nets[0].variables, lr);
  const decayed = new FlatAdam(nets[1].variables, lr, wd);
  const before = nets[0].read();
  plain.minimize(loss(nets[0]));
  decayed.minimize(loss(nets[1]));
  const [a, b] = [nets[0].read(), nets[1].read()];
  // One step from the same weights and gradient: the two differ by exactly the decay of the old weights.
  before.forEach((w, i) =>
    w.forEach((x, j) => assert.ok(Math.abs(a[i]![j]! - lr * wd * x - b[i]![j]!) < 1e-6, `weight ${i}[${j}]`)),
  );
  assert.throws(() => new FlatAdam(nets[0].variables, lr, -1), /weight decay must be ≥ 0/);
});
