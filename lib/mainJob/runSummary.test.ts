import assert from "node:assert/strict";
import { test } from "node:test";
import { EpisodeEventKind, type EpisodeEvent } from "../codec/messages.js";
import { RunSummaryCollector } from "./runSummary.js";

const event = (kind: number, episode: number, step: number): EpisodeEvent => ({
  header: { stamp: { sec: episode, nanosec: step }, frame_id: "world" },
  event: kind,
  episode_id: BigInt(episode),
  step,
  task: "pick_place",
  detail: "",
});

test("the main job counts a successful episode (SUCCESS then TERMINAL) as finished and successful", () => {
  const c = new RunSummaryCollector();
  const ends = [
    event(EpisodeEventKind.START, 0, 0),
    event(EpisodeEventKind.SUCCESS, 0, 55),
    event(EpisodeEventKind.TERMINAL, 0, 55),
    event(EpisodeEventKind.START, 1, 0),
    event(EpisodeEventKind.TRUNCATED, 1, 200),
  ].map((e) => c.addEpisodeEvent(e));
  assert.deepEqual(ends, [false, false, true, false, true]);
  const s = c.summary();
  assert.deepEqual([s.episodes, s.successes], [2, 1]);
});
