/**
 * Reward pipeline benchmark, all numbers from one run on one machine:
 *  A. baseline: CDR decode + preprocessing (sharp) + encoder.run + head.run for one 3-view step, in a loop;
 *  B. the full node on the local transport, closed loop (publish a group, wait for its reward);
 *  C. the full node at 3 × 30 Hz, open loop: camera→reward latency p50/p99, drops, per-stage latency.
 * Prints the B/A ratio (target ≤ 1.10) and C's p99 (target ≤ 33 ms).
 *
 * Usage: node --import tsx bench/reward.ts [--providers cpu] [--steps 60] [--seconds 4]
 *        [--width 640] [--height 480] [--model models/placeholder] [--threads 0]
 */
import { parseArgs } from "node:util";
import { Tensor } from "onnxruntime-node";
import { codecFor } from "../lib/codec/codec.js";
import { EpisodeEventKind, MsgType, type DenseReward, type Image } from "../lib/codec/messages.js";
import { createLogger } from "../lib/node/log.js";
import { startNode } from "../lib/node/node.js";
import { packagePath } from "../lib/paths.js";
import { loadManifest } from "../lib/reward/manifest.js";
import { loadModel, type Provider } from "../lib/reward/model.js";
import { Preprocessor } from "../lib/reward/preprocess.js";
import { LatencyWindow, STAGES, type PipelineStats } from "../lib/reward/stats.js";
import { timeFromSeconds } from "../lib/time/rosTime.js";
import { LocalBus, LocalTransport } from "../lib/transport/local.js";
import { QOS_SENSOR_DATA } from "../lib/transport/qos.js";
import { createPublisher, subscribe } from "../lib/transport/typed.js";
import { rewardNode, type RunningRewardNode } from "../nodes/reward/reward.js";

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
const providers = args.providers.split(",") as Provider[];
const STEPS = Number(args.steps);
const WIDTH = Number(args.width);
const HEIGHT = Number(args.height);
const TOPICS = ["/bench/front", "/bench/left", "/bench/wrist"];
const codec = codecFor<Image>(MsgType.Image);
const quiet = createLogger(
  "bench",
  (level, _n, m) => level !== "debug" && level !== "info" && process.stderr.write(`${m}\n`),
);

/** Textured frames (a moving gradient), so decode and resize do real work. */
function frames(count: number): Image[][] {
  return Array.from({ length: count }, (_x, k) =>
    TOPICS.map((_t, v) => {
      const data = new Uint8Array(WIDTH * HEIGHT * 3);
      for (let y = 0; y < HEIGHT; y++)
        for (let x = 0; x < WIDTH; x++) {
          const i = (y * WIDTH + x) * 3;
          data[i] = (x + k * 4) & 0xff;
          data[i + 1] = (y + v * 40) & 0xff;
          data[i + 2] = (x ^ y) & 0xff;
        }
      return {
        header: { stamp: timeFromSeconds(0), frame_id: TOPICS[v] },
        height: HEIGHT,
        width: WIDTH,
        encoding: "rgb8",
        is_bigendian: 0,
        step: WIDTH * 3,
        data,
      };
    }),
  );
}

const images = frames(4);
const stamped = (img: Image, t: number): Uint8Array =>
  codec.encode({ ...img, header: { ...img.header, stamp: timeFromSeconds(t) } });
const fmt = (x: number): string => x.toFixed(2).padStart(8);

/** One baseline step: CDR decode + preprocess of 3 views + encoder.run + head.run, nothing else. */
async function baselineStep(): Promise<() => Promise<number>> {
  const model = await loadModel(await loadManifest(packagePath(args.model)), {
    providers,
    threads: Number(args.threads),
    log: quiet,
  });
  const m = model.manifest;
  const pre = new Preprocessor(m.image);
  const V = m.views.length;
  const D = m.encoder.outputs[0].shape[1] as number;
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
      model: args.model,
      ort_threads: Number(args.threads),
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
  createPublisher(transport, "/episode", MsgType.EpisodeEvent).publish({
    header: { stamp: timeFromSeconds(0), frame_id: "" },
    event: EpisodeEventKind.START,
    episode_id: 1n,
    step: 0,
    task: "",
    detail: "",
  });
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
 * Inside the node, per step on average: arrival→reward time over the time of the same step's decode (3
 * frames), preprocess, encoder and head. Measured on the very same steps, so machine load cancels out.
 */
function ownWorkRatio(stats: PipelineStats): number {
  const l = stats.latency;
  const work = 3 * l.decode.mean() + l.preprocess.mean() + l.encoder.mean() + l.head.mean();
  return l.total.mean() / work;
}

/**
 * A and B alternate step by step, so both see the same machine load (this machine's cores are shared).
 */
async function closedLoop(): Promise<{ a: LatencyWindow; b: LatencyWindow; inner: number }> {
  const baseline = await baselineStep();
  return withNode(async ({ publish, nextReward, stats }) => {
    const a = new LatencyWindow(STEPS);
    const b = new LatencyWindow(STEPS);
    for (let i = 0; i < STEPS + 5; i++) {
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
    const seconds = Number(args.seconds);
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
console.log(
  `reward pipeline benchmark: 3 views ${WIDTH}×${HEIGHT} rgb8, model ${args.model}, providers ${args.providers}`,
);
console.log(
  `A  decode+preprocess+encoder+head   p50 ${fmt(a.percentile(50))} ms  p99 ${fmt(a.percentile(99))} ms  (${a.size} steps)`,
);
console.log(
  `B  full node, closed loop           p50 ${fmt(b.percentile(50))} ms  p99 ${fmt(b.percentile(99))} ms  (${b.size} steps)`,
);
console.log(
  `   ratio B/A (p50)                  ${fmt(b.percentile(50) / a.percentile(50))}    target ≤ 1.10`,
);
console.log(
  `   inside the node, (arrival→reward)/(decode+preprocess+encoder+head), same steps ${fmt(inner)}`,
);
console.log(
  `C  3 × 30 Hz open loop, ${c.sent} groups sent, ${c.received} rewards, ${c.stats.groupsDropped} dropped (latest wins)`,
);
console.log(
  `   camera→reward latency            p50 ${fmt(c.latency.percentile(50))} ms  p99 ${fmt(c.latency.percentile(99))} ms   target p99 ≤ 33`,
);
console.log(`   inside the node, same ratio      ${fmt(ownWorkRatio(c.stats))}`);
console.log("   per stage (ms)                        p50       p99");
for (const s of STAGES)
  console.log(
    `   ${s.padEnd(34)}${fmt(c.stats.latency[s].percentile(50))}  ${fmt(c.stats.latency[s].percentile(99))}`,
  );
