import assert from "node:assert/strict";
import { test } from "node:test";
import { DiagnosticLevel } from "../codec/messages.js";
import { rewardDiagnostics } from "./diagnostics.js";
import { LatencyWindow, PipelineStats, RateLimitedErrors } from "./stats.js";

test("latency window: nearest-rank percentiles over the last samples only", () => {
  const w = new LatencyWindow(100);
  assert.ok(Number.isNaN(w.percentile(50)));
  for (let i = 1; i <= 100; i++) w.add(i);
  assert.equal(w.percentile(50), 50);
  assert.equal(w.percentile(99), 99);
  assert.equal(w.percentile(100), 100);
  for (let i = 0; i < 100; i++) w.add(1000);
  assert.equal(w.percentile(1), 1000, "old samples are gone");
});

test("rate-limited errors: first report at once, repeats within the period counted, then reported", () => {
  let now = 0;
  const lines: string[] = [];
  const errors = new RateLimitedErrors(
    (m) => lines.push(m),
    1000,
    () => now,
  );
  errors.report("a", "bad frame");
  errors.report("a", "bad frame");
  errors.report("b", "other");
  now = 500;
  errors.report("a", "bad frame");
  now = 1200;
  errors.report("a", "bad frame");
  assert.deepEqual(lines, ["bad frame", "other", "bad frame (2 more like it since the last report)"]);
});

test("diagnostics: provider, counters, latencies; WARN while degraded, ERROR while the model fails", () => {
  const stats = new PipelineStats(3);
  stats.latency.total.add(4);
  const report = () =>
    rewardDiagnostics({
      nodeName: "reward",
      provider: "cpu",
      modelName: "m",
      modelSha256: "ab",
      stats,
      rateHz: 29.5,
      stamp: { sec: 1, nanosec: 0 },
    }).status[0];
  let s = report();
  assert.equal(s.level, DiagnosticLevel.OK);
  assert.equal(s.hardware_id, "cpu");
  const value = (k: string) => s.values.find((v) => v.key === k)?.value;
  assert.equal(value("provider"), "cpu");
  assert.equal(value("reward_rate_hz"), "29.500");
  assert.equal(value("latency_total_p50_ms"), "4.000");
  stats.missingTopics = ["/cam/wrist"];
  s = report();
  assert.equal(s.level, DiagnosticLevel.WARN);
  assert.match(s.message, /missing \/cam\/wrist/);
  stats.lastStepFailed = true;
  stats.lastError = "model error: NaN";
  s = report();
  assert.equal(s.level, DiagnosticLevel.ERROR);
  assert.equal(s.message, "model error: NaN");
});
