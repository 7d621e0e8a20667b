import assert from "node:assert/strict";
import { test } from "node:test";
import { PotentialFusion } from "./fusion.js";

const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} ≠ ${b}`);

test("incremental fusion chains hops: ΔΦ = (1 − Φ*)·H forward, Φ*·H backward", () => {
  const f = new PotentialFusion({ mode: "incremental" });
  close(f.step({ incremental: 0.5, forward: 0, backward: -1 }).phi, 0.5, "0 + 1·0.5");
  close(f.step({ incremental: 0.5, forward: 0, backward: -1 }).phi, 0.75, "0.5 + 0.5·0.5");
  close(f.step({ incremental: -0.2, forward: 0, backward: -1 }).phi, 0.6, "0.75 − 0.75·0.2");
  f.reset();
  close(f.step({ incremental: 0.1, forward: 0, backward: -1 }).phi, 0.1, "restart from 0");
});

test("forward, backward and fused potentials against hand computations", () => {
  const hops = { incremental: 0.4, forward: 0.3, backward: -0.5 };
  close(new PotentialFusion({ mode: "forward" }).step(hops).phi, 0.3, "Φ_F = H(start→now)");
  close(new PotentialFusion({ mode: "backward" }).step(hops).phi, 0.5, "Φ_B = 1 + H(goal→now)");
  // Φ_I = 0 + 1·0.4 = 0.4; fused = (0.4 + 0.3 + 0.5)/3
  const fused = new PotentialFusion({ mode: "fused" }).step(hops);
  close(fused.phi, 1.2 / 3, "fused");
  close(fused.incremental, 0.4, "Φ_I");
  // anchored potentials are clamped to [0, 1]
  close(new PotentialFusion({ mode: "forward" }).step({ ...hops, forward: -0.3 }).phi, 0, "clamp");
});

test("gated fusion moves towards the evidence by w = exp(−α d²)", () => {
  const f = new PotentialFusion({ mode: "gated", alpha: 20, epsilon: 0 });
  // agreeing anchors: Φ_F = 0.5, Φ_B = 0.5 → d = 0, w = 1 → plain fused value
  const agree = f.step({ incremental: 0.5, forward: 0.5, backward: -0.5 });
  close(agree.weight, 1, "w");
  close(agree.phi, 0.5, "Φ*");
  // disagreeing: Φ_F = 0.2, Φ_B = 0.8, Φ̄ = 0.5, d = 1.2 → w = exp(−28.8)
  const g = f.step({ incremental: 0, forward: 0.2, backward: -0.2 });
  close(g.weight, Math.exp(-20 * 1.2 * 1.2), "w");
  const fused = (0.5 + 0.2 + 0.8) / 3;
  close(g.phi, 0.5 + g.weight * (fused - 0.5), "Φ* barely moves");
  assert.ok(Math.abs(g.phi - 0.5) < 1e-9);
});
