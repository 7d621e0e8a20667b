// The grm (served VLM) backend against an OpenAI-compatible test server that answers after a fixed delay:
// (1) the reward node live at 3 × 30 Hz cameras: reward rate, camera→reward latency, groups dropped by
// latest-wins; (2) one step's wall time with the three anchors concurrent (max_in_flight 3) vs sequential
// (max_in_flight 1), scored back to back as a replay does. Runs alone too:
//   node --import tsx bench/grm.ts [delay-ms] [live-seconds]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MsgType, type DenseReward } from "../lib/codec/messages.js";
import { rgbImage } from "../lib/image/rgbImage.js";
import { createLogger } from "../lib/node/log.js";
import { startNode } from "../lib/node/node.js";
import { createRewardModel } from "../lib/reward/rewardModelFactory.js";
import { LatencyWindow } from "../lib/reward/stats.js";
import { writeGrmModel } from "../lib/reward/testing/grmModel.js";
import { startGrmServer } from "../lib/reward/testing/grmServer.js";
import { timeFromSeconds } from "../lib/time/rosTime.js";
import { LocalBus, LocalTransport } from "../lib/transport/local.js";
import { QOS_LATCHED, QOS_SENSOR_DATA } from "../lib/transport/qos.js";
import { createPublisher, subscribe } from "../lib/transport/typed.js";
import { rewardNode } from "../nodes/reward/reward.js";
import { firstEpisodeStart } from "./frames.js";
import { os } from "./os.js";

export interface GrmBenchOptions {
  readonly delayMs: number;
  readonly liveSeconds: number;
  /** Steps per configuration in the concurrent-vs-sequential comparison. */
  readonly steps: number;
}
export const GRM_BENCH_DEFAULTS: GrmBenchOptions = { delayMs: 300, liveSeconds: 5, steps: 5 };

export interface GrmBenchResult {
  readonly options: GrmBenchOptions;
  readonly live: {
    readonly groupsSent: number;
    readonly rewards: number;
    readonly rewardRateHz: number;
    readonly dropped: number;
    readonly latencyMs: { readonly p50: number; readonly p99: number };
    readonly requests: number;
    readonly peakInFlight: number;
  };
  readonly concurrentStepMs: number;
  readonly sequentialStepMs: number;
  readonly gain: number;
}

const VIEWS = ["front", "side", "wrist"];
const SIZE = 64;
const quiet = createLogger("grm-bench", () => {});

const frame = (i: number, view: number) =>
  rgbImage(SIZE, SIZE, new Uint8Array(SIZE * SIZE * 3).fill((i * 7 + view * 50) % 256), {
    stamp: timeFromSeconds(i / 30),
    frame_id: VIEWS[view],
  });

export async function benchGrm(options: Partial<GrmBenchOptions> = {}): Promise<GrmBenchResult> {
  const o = { ...GRM_BENCH_DEFAULTS, ...options };
  const dir = await mkdtemp(join(tmpdir(), "grm-bench-"));
  const server = await startGrmServer(() => "<score>+2%</score>", { delayMs: o.delayMs });
  try {
    const goalColours = VIEWS.map(() => [255, 255, 255] as const);
    const model = (name: string, maxInFlight: number) =>
      writeGrmModel(join(dir, name), {
        views: VIEWS,
        goalColours,
        size: SIZE,
        grm: { max_in_flight: maxInFlight, timeout_ms: 10 * o.delayMs + 1000 },
      });
    await model("concurrent", 3);
    await model("sequential", 1);

    // (1) live node, 3 × 30 Hz, latest-wins
    const transport = new LocalTransport(new LocalBus());
    const node = await startNode(rewardNode, {
      transport,
      logger: quiet,
      params: { model: join(dir, "concurrent"), grm_endpoint: server.url, ort_threads: 1 },
    });
    const topics = ["/camera/front/image_raw", "/camera/side/image_raw", "/camera/wrist/image_raw"];
    const cameras = topics.map((t) => createPublisher(transport, t, MsgType.Image, QOS_SENSOR_DATA));
    const events = createPublisher(transport, "/episode", MsgType.EpisodeEvent, QOS_LATCHED);
    const sentAt = new Map<string, number>();
    const latency = new LatencyWindow(4096);
    const rewards: DenseReward[] = [];
    const sub = subscribe(transport, "/reward", MsgType.DenseReward).subscribe((m) => {
      rewards.push(m);
      const at = sentAt.get(`${m.header.stamp.sec}.${m.header.stamp.nanosec}`);
      if (at !== undefined) latency.add(performance.now() - at);
    });
    const calls0 = server.calls.length;
    events.publish(firstEpisodeStart());
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < o.liveSeconds * 1000) {
      sent++;
      const stamp = timeFromSeconds(sent / 30);
      sentAt.set(`${stamp.sec}.${stamp.nanosec}`, performance.now());
      cameras.forEach((c, v) => c.publish(frame(sent, v)));
      const next = start + (sent * 1000) / 30;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    const elapsed = (performance.now() - start) / 1000;
    await new Promise((r) => setTimeout(r, o.delayMs + 200));
    sub.unsubscribe();
    await node.stop();
    const live = {
      groupsSent: sent,
      rewards: rewards.length,
      rewardRateHz: rewards.length / elapsed,
      dropped: sent - rewards.length,
      latencyMs: { p50: latency.percentile(50), p99: latency.percentile(99) },
      requests: server.calls.length - calls0,
      peakInFlight: server.peakInFlight,
    };

    // (2) concurrent vs sequential anchors, steps back to back (as a replay scores every group)
    const stepMs = async (name: string): Promise<number> => {
      const parts = await createRewardModel({
        model: join(dir, name),
        providers: ["cpu"],
        threads: 1,
        fusion: "fused",
        grmEndpoint: server.url,
        log: quiet,
      });
      try {
        parts.estimator.startEpisode();
        const t0 = performance.now();
        for (let i = 0; i < o.steps; i++) {
          const slots = parts.estimator.imageSlots(3);
          await Promise.all(
            VIEWS.map((_v, k) =>
              parts.preprocessor.toTensor(
                VIEWS[k],
                { kind: "Image", message: frame(i, k) },
                slots,
                k * parts.preprocessor.size,
              ),
            ),
          );
          await parts.estimator.estimate([0, 1, 2]);
        }
        return (performance.now() - t0) / o.steps;
      } finally {
        await parts.release();
      }
    };
    const concurrentStepMs = await stepMs("concurrent");
    const sequentialStepMs = await stepMs("sequential");
    return {
      options: o,
      live,
      concurrentStepMs,
      sequentialStepMs,
      gain: sequentialStepMs / concurrentStepMs,
    };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const delayMs = Number(process.argv[2] ?? GRM_BENCH_DEFAULTS.delayMs);
  const liveSeconds = Number(process.argv[3] ?? GRM_BENCH_DEFAULTS.liveSeconds);
  process.stdout.write(`grm benchmark (${os()}), server delay ${delayMs} ms\n`);
  const r = await benchGrm({ delayMs, liveSeconds });
  const l = r.live;
  process.stdout.write(
    `  live 3 × 30 Hz, ${liveSeconds} s: ${l.rewards} rewards for ${l.groupsSent} groups (${l.rewardRateHz.toFixed(2)} Hz), ` +
      `camera→reward p50 ${l.latencyMs.p50.toFixed(0)} ms p99 ${l.latencyMs.p99.toFixed(0)} ms, ${l.requests} requests, peak ${l.peakInFlight} in flight\n` +
      `  step: concurrent anchors ${r.concurrentStepMs.toFixed(0)} ms, sequential ${r.sequentialStepMs.toFixed(0)} ms, gain ${r.gain.toFixed(2)}×\n`,
  );
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
