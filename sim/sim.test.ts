import assert from "node:assert/strict";
import { test } from "node:test";
import { FAILURE_MODES, type FailureMode } from "./experts/expert.js";
import { runEpisode } from "./rollout.js";
import { createSim, withGripperMoved, type StepResult, type Truth } from "./sim.js";
import { TASK_NAMES, type TaskName } from "./tasks/index.js";
import { quatYaw } from "./world/math.js";

const SEEDS = [0, 1, 2, 3, 4, 5];

function trace(
  task: TaskName,
  seed: number,
  failure: FailureMode = "none",
  kind: "expert" | "noisy" | "random" = "expert",
) {
  return createSim({ task, seed, views: [] }).then((sim) => {
    const truths: Truth[] = [];
    const final = runEpisode(sim, kind, { failure }, (r) => truths.push({ ...r.truth }));
    sim.close();
    return { truths, final };
  });
}

/** Indices where the stage goes down. */
function regressions(truths: Truth[]): { at: number; from: number; to: number }[] {
  const out = [];
  for (let i = 1; i < truths.length; i++) {
    if (truths[i]!.stage < truths[i - 1]!.stage)
      out.push({ at: i, from: truths[i - 1]!.stage, to: truths[i]!.stage });
  }
  return out;
}

for (const task of TASK_NAMES) {
  test(`${task}: every expert episode passes through all stages in order and succeeds`, async () => {
    for (const seed of SEEDS) {
      const { truths, final } = await trace(task, seed);
      const stages = truths.map((t) => t.stage).filter((s, i, a) => i === 0 || s !== a[i - 1]);
      const names = truths[0]!.stageNames;
      assert.deepEqual(
        stages,
        names.map((_, i) => i),
        `seed ${seed}: stage sequence ${stages.join(",")}`,
      );
      assert.equal(final.truth.success, true, `seed ${seed}: not successful (${final.truth.failure})`);
      assert.equal(final.truth.terminal, true);
      assert.equal(final.truth.truncated, false);
      assert.equal(final.truth.progress, 1);
      for (const t of truths) {
        assert.ok(t.stageProgress >= 0 && t.stageProgress <= 1);
        assert.ok(Math.abs(t.progress - (t.stage + t.stageProgress) / names.length) < 1e-9);
      }
    }
  });

  test(`${task}: the noisy expert still succeeds on most seeds`, async () => {
    let wins = 0;
    for (const seed of SEEDS) if ((await trace(task, seed, "none", "noisy")).final.truth.success) wins++;
    assert.ok(wins >= SEEDS.length - 1, `${wins}/${SEEDS.length} noisy episodes succeeded`);
  });

  test(`${task}: dropping and undoing make the stage fall back`, async () => {
    // Carry tasks fall from carrying (3) back to before the grasp (≤ 1); push from pushing (2) to ≤ 1.
    const late = task === "push" ? 2 : 3;
    for (const failure of ["drop", "undo"] as const) {
      const { truths } = await trace(task, 1, failure);
      const reached = truths.findIndex((t) => t.stage >= late);
      assert.ok(reached >= 0, `${failure}: never reached stage ${late}`);
      const fellBack = truths.slice(reached).findIndex((t) => t.stage <= 1);
      assert.ok(
        fellBack > 0,
        `${failure}: no fall back to stage ≤ 1 after step ${reached}: ${JSON.stringify(regressions(truths))}`,
      );
    }
  });

  test(`${task}: stalling never finishes and runs into the time limit`, async () => {
    const { truths, final } = await trace(task, 2, "stall");
    assert.equal(final.truth.success, false);
    assert.equal(final.truth.truncated, true);
    assert.equal(final.truth.terminal, false);
    const start = truths.findIndex((t) => t.stage >= (task === "push" ? 1 : 2));
    const after = truths.slice(start + 1).map((t) => t.progress);
    assert.ok(
      Math.max(...after) - Math.min(...after) < 0.02,
      `progress kept moving while stalled: ${Math.min(...after)}..${Math.max(...after)}`,
    );
  });

  test(`${task}: wandering loses progress within a stage`, async () => {
    const { truths } = await trace(task, 3, "wander");
    let worst = 0;
    let peak = truths[0]!.progress;
    for (const t of truths) {
      peak = Math.max(peak, t.progress);
      worst = Math.max(worst, peak - t.progress);
    }
    assert.ok(worst > 0.03, `largest progress loss ${worst.toFixed(3)}`);
  });
}

test("FAILURE_MODES lists every mode the experts handle", async () => {
  // A listed mode that an expert does not handle runs as "none": the same episode.
  for (const task of TASK_NAMES) {
    const plain = JSON.stringify((await trace(task, 1)).truths);
    for (const failure of FAILURE_MODES.filter((m) => m !== "none")) {
      const { truths } = await trace(task, 1, failure);
      assert.notEqual(JSON.stringify(truths), plain, `${task}: '${failure}' runs as 'none'`);
    }
  }
});

test("the same seed gives the same episode; another seed a different one", async () => {
  const states = async (seed: number): Promise<string> => {
    const sim = await createSim({ task: "pick_place", seed, views: [] });
    const rows: string[] = [];
    runEpisode(sim, "noisy", {}, (r: StepResult) => rows.push(Array.from(r.observation.values).join(",")));
    sim.close();
    return rows.join("\n");
  };
  const a = await states(7);
  assert.equal(await states(7), a);
  assert.notEqual(await states(8), a);
});

test("a random policy pushes things around without crashing and reports a flag at the end", async () => {
  const { final } = await trace("push", 0, "none", "random");
  assert.equal(final.done, true);
  assert.ok(final.truth.truncated || final.truth.terminal);
});

test("an object carried off the table and dropped ends the episode as a failure", async () => {
  const sim = await createSim({ task: "pick_place", seed: 0, views: [] });
  let r = sim.reset();
  const policy = sim.expert();
  while (r.truth.stage < 3) r = sim.step(policy.act(r.state, r.truth));
  while (r.state.gripper.position[0] < 0.44) r = sim.step({ translation: [0.03, 0, 0], yaw: 0, gripper: 1 });
  for (let i = 0; i < 40 && !r.done; i++) r = sim.step({ translation: [0, 0, 0], yaw: 0, gripper: 0 });
  sim.close();
  assert.equal(r.done, true);
  assert.equal(r.truth.terminal, true);
  assert.equal(r.truth.success, false);
  assert.match(r.truth.failure ?? "", /fell off the table/);
});

test("truthOf reads the ground truth of a state with the gripper moved, the held object moving along", async () => {
  const sim = await createSim({ task: "pick_place", seed: 0, views: [] });
  let r = sim.reset();
  const live = structuredClone(r.state);
  const toCube = r.state.objects.object!.position.map((v, k) => 0.5 * (v - r.state.gripper.position[k]!));
  const closer = sim.truthOf(withGripperMoved(r.state, toCube as [number, number, number]));
  assert.equal(closer.stage, 0);
  assert.ok(closer.stageProgress > r.truth.stageProgress, "halfway to the cube is further through reaching");
  assert.deepEqual(r.state, live, "the live state is not changed");
  const policy = sim.expert();
  while (r.truth.stage < 3) r = sim.step(policy.act(r.state, r.truth));
  const carried = withGripperMoved(r.state, [0, 0, -0.05]);
  assert.ok(
    Math.abs(carried.objects.object!.position[2] - (r.state.objects.object!.position[2] - 0.05)) < 1e-9,
  );
  assert.ok(sim.truthOf(carried).stage < 3, "lowered below the carry height it falls back to lifting");
  sim.close();
});

test("bad actions and misuse get clear errors", async () => {
  const sim = await createSim({ task: "stack", seed: 0, views: [] });
  assert.throws(() => sim.step({ translation: [0, 0, 0], yaw: 0, gripper: 0 }), /reset\(\)/);
  sim.reset();
  assert.throws(() => sim.step({ translation: [Number.NaN, 0, 0], yaw: 0, gripper: 0 }), /non-finite/);
  sim.close();
  await assert.rejects(createSim({ task: "juggle" as TaskName }), /unknown task 'juggle'/);
  await assert.rejects(createSim({ task: "push", views: ["top" as "front"] }), /unknown view 'top'/);
});

for (const task of TASK_NAMES) {
  test(`${task}: the observation carries each object's offset from the gripper, its grasp yaw, the target's offset and, on push, the turn to its heading`, async () => {
    const sim = await createSim({ task, seed: 7, views: [] });
    let r = sim.reset({ seed: 7 });
    for (let i = 0; i < 5; i++) r = sim.step({ translation: [0.004, -0.003, 0.002], yaw: 0.05, gripper: 0 });
    const { names, values } = r.observation;
    assert.equal(names.length, values.length);
    assert.equal(new Set(names).size, names.length, "observation names are unique");
    const at = (name: string): number => {
      const i = names.indexOf(name);
      assert.ok(i >= 0, `no '${name}' in ${names.join(",")}`);
      return values[i]!;
    };
    const g = r.state.gripper;
    for (const [name, body] of Object.entries(r.state.objects)) {
      ["x", "y", "z"].forEach((axis, k) =>
        assert.ok(Math.abs(at(`${name}_from_ee_${axis}`) - (body.position[k]! - g.position[k]!)) < 1e-6),
      );
      const yawError = at(`${name}_grasp_yaw_error`);
      assert.ok(Math.abs(yawError) <= Math.PI / 4 + 1e-6, `${name}: ${yawError}`);
      // Turning the gripper by the error lines it up with a face of the box (boxes repeat every 90°).
      const aligned = quatYaw(body.quaternion) - (g.yaw + yawError);
      assert.ok(Math.abs(Math.sin(2 * aligned)) < 1e-5, `${name}: ${aligned} is not a multiple of 90°`);
    }
    const first = Object.keys(r.state.objects)[0]!;
    if (!names.includes("target_x")) return sim.close();
    const target = ["x", "y", "z"].map((axis) => at(`target_${axis}`));
    ["x", "y", "z"].forEach((axis, k) =>
      assert.ok(
        Math.abs(at(`target_from_${first}_${axis}`) - (target[k]! - r.state.objects[first]!.position[k]!)) <
          1e-6,
      ),
    );
    if (task !== "push") {
      assert.ok(!names.includes("target_heading_yaw_error"), "only push lines the gripper up on a heading");
      return sim.close();
    }
    // Turning by it puts the fingers across the heading from the block to the goal, either way round.
    const o = r.state.objects[first]!.position;
    const heading = Math.atan2(target[1]! - o[1], target[0]! - o[0]);
    const turn = at("target_heading_yaw_error");
    assert.ok(Math.abs(turn) <= Math.PI / 2 + 1e-6, `${turn}`);
    assert.ok(Math.abs(Math.sin(heading - (g.yaw + turn))) < 1e-5, `${heading} vs ${g.yaw + turn}`);
    sim.close();
  });
}

test("the observation echoes the gripper command at once, where the gap follows it over several steps", async () => {
  const sim = await createSim({ task: "pick_place", seed: 3, views: [] });
  let r = sim.reset({ seed: 3 });
  const at = (name: string): number => r.observation.values[r.observation.names.indexOf(name)]!;
  assert.equal(at("gripper_command"), 0, "an episode starts with the gripper commanded open");
  const open = at("gripper_gap");
  // Raised clear of the objects, so that nothing stops the fingers.
  r = sim.step({ translation: [0, 0, 0.03], yaw: 0, gripper: 1 });
  assert.equal(at("gripper_command"), 1);
  assert.ok(at("gripper_gap") > open / 2, `one step closes the gap only partly (${at("gripper_gap")})`);
  r = sim.step({ translation: [0, 0, 0], yaw: 0, gripper: 2 });
  assert.equal(at("gripper_command"), 1, "the command is echoed as the gripper clips it");
  r = sim.step({ translation: [0, 0, 0], yaw: 0, gripper: 0 });
  assert.equal(at("gripper_command"), 0);
  sim.close();
});
