import assert from "node:assert/strict";
import { test } from "node:test";
import { SimDriver } from "./driver.js";
import { createSim } from "./sim.js";

const still = { translation: [0, 0, 0] as [number, number, number], yaw: 0, gripper: 0 };

test("lockstep: one step per action of the running episode; stale actions are ignored", async () => {
  const sim = await createSim({ task: "push", seed: 1, views: [] });
  const warnings: string[] = [];
  const driver = new SimDriver(sim, { mode: "lockstep", autoReset: true, warn: (m) => warnings.push(m) });
  assert.equal(driver.reset().step, 0);
  assert.equal(driver.action(still, 0n)?.step, 1);
  assert.equal(driver.action(still, 0n)?.step, 2);
  assert.equal(driver.action(still, 7n), undefined);
  assert.match(warnings[0]!, /episode 7.*episode 0 is running/);
  assert.equal(driver.current?.step, 2);
  sim.close();
});

test("lockstep: the first action after an episode ends starts the next one", async () => {
  const sim = await createSim({ task: "push", seed: 1, views: [], maxSteps: 3 });
  const driver = new SimDriver(sim, { mode: "lockstep", autoReset: true, warn: () => {} });
  driver.reset();
  for (let i = 0; i < 3; i++) driver.action(still, 0n);
  assert.equal(driver.current?.truth.truncated, true);
  const next = driver.action(still, 0n)!;
  assert.deepEqual([next.episode, next.step, next.seed], [1, 0, 2n]);
  sim.close();
});

test("an episode ended from outside (a reward model's detected success) resets on the next action", async () => {
  const sim = await createSim({ task: "push", seed: 1, views: [] });
  const driver = new SimDriver(sim, { mode: "lockstep", autoReset: true, warn: () => {} });
  driver.reset();
  driver.action(still, 0n);
  assert.equal(driver.endEpisode(3n), false, "another episode's end changes nothing");
  assert.equal(driver.endEpisode(0n), true);
  assert.equal(driver.endEpisode(0n), false, "already ended");
  const next = driver.action(still, 0n)!;
  assert.deepEqual([next.episode, next.step], [1, 0], "the next action starts the next episode");
  assert.equal(driver.action(still, 1n)?.step, 1, "and the new episode runs on");
  sim.close();
});

test("without auto reset an ended episode waits for a reset request", async () => {
  const sim = await createSim({ task: "stack", seed: 4, views: [], maxSteps: 1 });
  const warnings: string[] = [];
  const driver = new SimDriver(sim, { mode: "lockstep", autoReset: false, warn: (m) => warnings.push(m) });
  driver.reset();
  driver.action(still, 0n);
  assert.equal(driver.action(still, 0n), undefined);
  assert.match(warnings[0]!, /send a reset request/);
  assert.equal(driver.reset({ seed: 40n }).seed, 40n);
  sim.close();
});

test("real time: ticks step with the latest action once, then hold the gripper command", async () => {
  const sim = await createSim({ task: "pick_place", seed: 2, views: [] });
  const driver = new SimDriver(sim, { mode: "realtime", autoReset: true, warn: () => {} });
  const z0 = driver.reset().state.gripper.position[2];
  assert.equal(driver.action({ translation: [0, 0, 0.02], yaw: 0, gripper: 1 }, 0n), undefined);
  const z1 = driver.tick()!.state.gripper.position[2];
  assert.ok(Math.abs(z1 - z0 - 0.02) < 1e-9);
  const r = driver.tick()!;
  assert.equal(r.step, 2);
  assert.ok(Math.abs(r.state.gripper.position[2] - z1) < 1e-9, "no translation without a new action");
  assert.ok(r.state.gripper.gap < 0.085 - 0.03, "the gripper keeps closing");
  sim.close();
});
