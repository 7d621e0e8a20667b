/**
 * Reward pipeline benchmark, all numbers from one run on one machine:
 *  A. baseline: CDR decode + preprocessing (sharp) + encoder.run + head.run for one 3-view step, in a loop;
 *  B. the full node on the local transport, closed loop (publish a group, wait for its reward);
 *  C. the full node at 3 × 30 Hz, open loop: camera→reward latency p50/p99, drops, per-stage latency.
 * Prints the B/A ratio (target ≤ 1.10) and C's p99 (target ≤ 33 ms). `benchReward` is what
 * `process-reward bench` calls.
 *
 * Usage: node --import tsx bench/reward.ts [--providers cpu] [--steps 60] [--seconds 4]
 *        [--width 640] [--height 480] [--model models/placeholder] [--threads 0]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Tensor } from "onnxruntime-node";
import { codecFor } from "../lib/codec/codec.js";
import { MsgType, type DenseReward, type Image } from "../lib/codec/messages.js";
import { createLogger } from "../lib/node/log.js";
import { startNode } from "../lib/node/node.js";
import { onnxGraphs } from "../lib/reward/manifest.js";
import type { Provider } from "../lib/reward/model.js";
import { createRewardModel } from "../lib/reward/rewardModelFactory.js";
import { LatencyWindow, STAGES, type PipelineStats, type Stage } from "../lib/reward/stats.js";
import { LocalBus, LocalTransport } from "../lib/transport/local.js";
import { QOS_SENSOR_DATA } from "../lib/transport/qos.js";
import { createPublisher, subscribe } from "../lib/transport/typed.js";
import { rewardNode, type RunningRewardNode } from "../nodes/reward/reward.js";
import { firstEpisodeStart, stampedCdr as stamped, texturedFrames } from "./frames.js";

export interface RewardBenchOptions {
  readonly providers: readonly Provider[];
  /** Closed-loop steps measured (after 5 warm-up steps). */
  readonly steps: number;
  /** Length of the open-loop 3 × 30 Hz run. */
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  readonly threads: number;
}

export const REWARD_BENCH_DEFAULTS: RewardBenchOptions = {
  providers: ["cpu"],
  steps: 60,
  seconds: 4,
  width: 640,
  height: 480,
  model: "models/placeholder",
  threads: 0,
};

export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
}

export interface RewardBenchResult {
  readonly options: RewardBenchOptions;
  /** A: decode + preprocess + encoder + head, per step. */
  readonly baseline: Percentiles & { readonly steps: number };
  /** B: the full node, closed loop, per step. */
  readonly node: Percentiles & { readonly steps: number };
  /** B/A at p50 (target ≤ 1.10). */
  readonly ratio: number;
  /** Inside the node, (arrival→reward)/(decode+preprocess+encoder+head) over the same steps. */
  readonly innerRatio: number;
  readonly openLoop: {
    readonly sent: number;
    readonly received: number;
    readonly dropped: number;
    readonly latency: Percentiles;
    readonly innerRatio: number;
    readonly stages: Record<Stage, Percentiles>;
  };
}

const TOPICS = ["/bench/front", "/bench/left", "/bench/wrist"];
const codec = codecFor<Image>(MsgType.Image);
const quiet = createLogger(
  "bench",
  (level, _n, m) => level !== "debug" && level !== "info" && process.stderr.write(`${m}\n`),
);
const fmt = (x: number): string => x.toFixed(2).padStart(8);
const percentiles = (w: LatencyWindow): Percentiles => ({ p50: w.percentile(50), p99: w.percentile(99) });

/**
 * Inside the node, per step on average: arrival→reward time over the time of the same step's decode (3
 * frames), preprocess, encoder and head. Measured on the very same steps, so machine load cancels out.
 */
function ownWorkRatio(stats: PipelineStats): number {
  const l = stats.latency;
  const work = 3 * l.decode.mean() + l.preprocess.mean() + l.encoder.mean() + l.head.mean();
  return l.total.mean() / work;
}

export async function benchReward(options: Partial<RewardBenchOptions> = {}): Promise<RewardBenchResult> {
  const o: RewardBenchOptions = { ...REWARD_BENCH_DEFAULTS, ...options };
  const providers = [...o.providers];
  const images = texturedFrames(4, o.width, o.height, TOPICS);
  /** One baseline step: CDR decode + preprocess of 3 views + encoder.run + head.run, nothing else. */
  async function baselineStep(): Promise<() => Promise<number>> {
    const { model, preprocessor: pre } = await createRewardModel({
      model: o.model,
      providers,
      threads: o.threads,
      fusion: "fused",
      log: quiet,
    });
    const m = model.manifest;
    const V = m.views.length;
    const D = onnxGraphs(m).encoder.outputs[0].shape[1] as number;
    const batch = new Float32Array(V * pre.size);
    const emb = new Float32Array(3 * V * D).fill(0.1);
    const mask = new Float32Array(3 * V).fill(1);
    const e = new Tensor("float32", emb, [3, V, D]);
    let i = 0;
    return async () => {
      // a fresh CDR buffer per step, as from a camera (libvips would otherwise serve repeats from its cache)
      const set = images[i % images.length].map((img) => stamped(img, i++));
      const t0 = performance.now();
      await Promise.all(
        set.map((bytes, v) =>
          pre.toTensor(TOPICS[v], { kind: "Image", message: codec.decode(bytes) }, batch, v * pre.size),
        ),
      );
      await model.encoder.run({ image: new Tensor("float32", batch, [V, 3, m.image.height, m.image.width]) });
      await model.head.run({
        start: e,
        goal: e,
        before: e,
        after: e,
        view_mask: new Tensor("float32", mask, [3, V]),
      });
      return performance.now() - t0;
    };
  }

  async function withNode<T>(
    fn: (ctx: {
      publish: (set: Uint8Array[]) => void;
      rewards: DenseReward[];
      /** Resolves with the next reward (no polling: a busy main thread would steal a core from sharp). */
      nextReward: () => Promise<DenseReward>;
      stats: () => PipelineStats;
      provider: string;
    }) => Promise<T>,
  ): Promise<T> {
    const transport = new LocalTransport(new LocalBus());
    const node = await startNode(rewardNode, {
      transport,
      logger: quiet,
      params: {
        camera_topics: TOPICS,
        providers,
        model: o.model,
        ort_threads: o.threads,
        sync_slop_ms: 10,
        max_age_ms: 500,
        diagnostics_period_s: 60,
      },
    });
    const pubs = TOPICS.map((t) => transport.createPublisher(t, MsgType.Image, QOS_SENSOR_DATA));
    const rewards: DenseReward[] = [];
    let waiting: ((r: DenseReward) => void) | undefined;
    const sub = subscribe(transport, "/reward", MsgType.DenseReward).subscribe((r) => {
      rewards.push(r);
      waiting?.(r);
      waiting = undefined;
    });
    createPublisher(transport, "/episode", MsgType.EpisodeEvent).publish(firstEpisodeStart());
    await new Promise((r) => setTimeout(r, 20));
    const running = node.running as RunningRewardNode;
    try {
      return await fn({
        publish: (set) => set.forEach((bytes, v) => pubs[v].publish(bytes)),
        rewards,
        nextReward: () => new Promise((resolve) => (waiting = resolve)),
        stats: () => running.stats,
        provider: providers.join(","),
      });
    } finally {
      sub.unsubscribe();
      await node.stop();
      await transport.close();
    }
  }

  /**
   * A and B alternate step by step, so both see the same machine load (this machine's cores are shared).
   */
  async function closedLoop(): Promise<{ a: LatencyWindow; b: LatencyWindow; inner: number }> {
    const baseline = await baselineStep();
    return withNode(async ({ publish, nextReward, stats }) => {
      const a = new LatencyWindow(o.steps);
      const b = new LatencyWindow(o.steps);
      for (let i = 0; i < o.steps + 5; i++) {
        const ta = await baseline();
        const set = images[i % images.length].map((img) => stamped(img, 1 + i / 30));
        const reward = nextReward();
        const t0 = performance.now();
        publish(set);
        await reward;
        // the first steps warm caches, the JIT and the thread pools
        if (i >= 5) {
          a.add(ta);
          b.add(performance.now() - t0);
        }
      }
      return { a, b, inner: ownWorkRatio(stats()) };
    });
  }

  async function openLoop(): Promise<{
    latency: LatencyWindow;
    stats: PipelineStats;
    sent: number;
    received: number;
  }> {
    return withNode(async ({ publish, rewards, stats }) => {
      const seconds = o.seconds;
      const n = Math.round(seconds * 30);
      const sets = Array.from({ length: n }, (_x, i) =>
        images[i % images.length].map((img) => stamped(img, 10 + i / 30)),
      );
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const due = start + (i * 1000) / 30;
        while (performance.now() < due)
          await new Promise((r) => setTimeout(r, Math.max(0, Math.min(4, due - performance.now()))));
        publish(sets[i]);
      }
      await new Promise((r) => setTimeout(r, 200));
      const latency = new LatencyWindow(n);
      for (const r of rewards) latency.add(r.latency_ms);
      return { latency, stats: stats(), sent: n, received: rewards.length };
    });
  }

  const { a, b, inner } = await closedLoop();
  const c = await openLoop();
  return {
    options: o,
    baseline: { ...percentiles(a), steps: a.size },
    node: { ...percentiles(b), steps: b.size },
    ratio: b.percentile(50) / a.percentile(50),
    innerRatio: inner,
    openLoop: {
      sent: c.sent,
      received: c.received,
      dropped: c.stats.groupsDropped,
      latency: percentiles(c.latency),
      innerRatio: ownWorkRatio(c.stats),
      stages: Object.fromEntries(STAGES.map((s) => [s, percentiles(c.stats.latency[s])])) as Record<
        Stage,
        Percentiles
      >,
    },
  };
}

/** The benchmark's lines as printed by bench/reward.ts. */
export function rewardSummary(r: RewardBenchResult): string {
  const o = r.options;
  const c = r.openLoop;
  const lines = [
    `reward pipeline benchmark: 3 views ${o.width}×${o.height} rgb8, model ${o.model}, providers ${o.providers.join(",")}`,
    `A  decode+preprocess+encoder+head   p50 ${fmt(r.baseline.p50)} ms  p99 ${fmt(r.baseline.p99)} ms  (${r.baseline.steps} steps)`,
    `B  full node, closed loop           p50 ${fmt(r.node.p50)} ms  p99 ${fmt(r.node.p99)} ms  (${r.node.steps} steps)`,
    `   ratio B/A (p50)                  ${fmt(r.ratio)}    target ≤ 1.10`,
    `   inside the node, (arrival→reward)/(decode+preprocess+encoder+head), same steps ${fmt(r.innerRatio)}`,
    `C  3 × 30 Hz open loop, ${c.sent} groups sent, ${c.received} rewards, ${c.dropped} dropped (latest wins)`,
    `   camera→reward latency            p50 ${fmt(c.latency.p50)} ms  p99 ${fmt(c.latency.p99)} ms   target p99 ≤ 33`,
    `   inside the node, same ratio      ${fmt(c.innerRatio)}`,
    "   per stage (ms)                        p50       p99",
    ...STAGES.map((s) => `   ${s.padEnd(34)}${fmt(c.stages[s].p50)}  ${fmt(c.stages[s].p99)}`),
  ];
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values: args } = parseArgs({
    options: {
      providers: { type: "string", default: "cpu" },
      steps: { type: "string", default: "60" },
      seconds: { type: "string", default: "4" },
      width: { type: "string", default: "640" },
      height: { type: "string", default: "480" },
      model: { type: "string", default: "models/placeholder" },
      threads: { type: "string", default: "0" },
    },
  });
  const result = await benchReward({
    providers: args.providers.split(",") as Provider[],
    steps: Number(args.steps),
    seconds: Number(args.seconds),
    width: Number(args.width),
    height: Number(args.height),
    model: args.model,
    threads: Number(args.threads),
  });
  console.log(rewardSummary(result));
}
