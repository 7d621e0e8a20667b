import assert from "node:assert/strict";
import { test } from "node:test";
import { EpisodeEventKind, type EpisodeEvent } from "../codec/messages.js";
import { createLogger } from "../node/log.js";
import { EpisodeTracker } from "./episodeTracker.js";
import type { Estimate, PotentialEstimator } from "./estimator.js";

const STAGES: Record<string, string[]> = { pick: ["reach", "grasp"], push: ["touch", "slide", "stop"] };

function tracker() {
  let task = "pick";
  const estimator = {
    get task() {
      return task;
    },
    get stageNames() {
      return STAGES[task];
    },
    useTask: async (t: string) => {
      if (!STAGES[t]) throw new Error(`unknown task '${t}'`);
      task = t;
    },
    startEpisode: () => undefined,
  } as unknown as PotentialEstimator;
  const reports: string[] = [];
  const log = createLogger("test", () => undefined);
  const episodes = new EpisodeTracker({ gamma: 0.9, successDelta: 0.05 }, estimator, log, (key, m) =>
    reports.push(`${key} ${m}`),
  );
  return { episodes, reports };
}

const event = (kind: number, id: bigint, task = ""): EpisodeEvent => ({
  header: { stamp: { sec: 1, nanosec: 0 }, frame_id: "" },
  event: kind,
  episode_id: id,
  step: 0,
  task,
  detail: "",
});
const estimate = (phi: number): Estimate => ({
  phi,
  potential: "hop",
  stage: 0,
  stageProbabilities: new Float32Array(2),
  stageProgress: 0,
  confidence: 1,
  encoderMs: 0,
  headMs: 0,
});

test("without a START, steps are scored as episode 0", () => {
  const { episodes } = tracker();
  assert.equal(episodes.admitStep(), true);
  assert.equal(episodes.step(estimate(0.3)).episodeId, 0n);
  assert.deepEqual(episodes.state, {
    episodeId: 0n,
    phi: 0.3,
    potential: "hop",
    stageNames: ["reach", "grasp"],
  });
});

test("a START closes the pending boundary with the ending episode's state, then switches task", async () => {
  const { episodes } = tracker();
  await episodes.apply(event(EpisodeEventKind.START, 1n, "pick"));
  episodes.step(estimate(0.6));
  await episodes.apply(event(EpisodeEventKind.TERMINAL, 1n));
  const closed = await episodes.apply(event(EpisodeEventKind.START, 2n, "push"));
  assert.ok(closed);
  assert.deepEqual([closed.shaped.terminal, closed.shaped.phiNext], [true, 0]);
  assert.deepEqual(closed.state, {
    episodeId: 1n,
    phi: 0.6,
    potential: "hop",
    stageNames: ["reach", "grasp"],
  });
  assert.deepEqual(episodes.state, {
    episodeId: 2n,
    phi: 0,
    potential: "hop",
    stageNames: ["touch", "slide", "stop"],
  });
});

test("a stale boundary closes once, and only for the running episode", async () => {
  const { episodes } = tracker();
  await episodes.apply(event(EpisodeEventKind.START, 1n));
  episodes.step(estimate(0.5));
  const terminal = event(EpisodeEventKind.TRUNCATED, 1n);
  await episodes.apply(terminal);
  assert.equal(episodes.closeStale(event(EpisodeEventKind.TRUNCATED, 9n)), undefined);
  assert.equal(episodes.closeStale(terminal)?.shaped.truncated, true);
  assert.equal(episodes.closeStale(terminal), undefined);
  assert.equal(episodes.admitStep(), false, "the episode has ended");
});

test("events for another episode, unknown kinds and unknown tasks are reported and change nothing", async () => {
  const { episodes, reports } = tracker();
  await episodes.apply(event(EpisodeEventKind.START, 1n, "fly"));
  await episodes.apply(event(EpisodeEventKind.TERMINAL, 2n));
  await episodes.apply(event(99, 1n));
  assert.deepEqual(reports, [
    "task:fly episode 1: unknown task 'fly'; keeping task 'pick'",
    "episode-id ignored an episode event for episode 2; the running episode is 1",
    "episode-kind ignored an episode event of unknown kind 99",
  ]);
  assert.equal(episodes.admitStep(), true);
  assert.equal(episodes.step(estimate(0.2)).terminal, false);
});
