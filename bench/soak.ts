/**
 * Soak: the reward node fed by 3 cameras at 30 Hz (640×480 rgb8 by default) for minutes, on the local or the
 * dds transport, with an episode boundary every few seconds. Samples RSS, heap and the pipeline's counters
 * over time and checks that
 *  - RSS after warm-up grows by less than `maxRssGrowth` (median of the last tenth vs the first tenth after
 *    warm-up, so one GC cycle does not decide it);
 *  - nothing queues without bound: the groups synced but neither scored nor dropped (the latest-wins backlog
 *    plus what is on its way to /reward) stay at most `maxBacklog` at every sample;
 * and reports every drop by where it happened (transport keep-last, latest wins, rate limit).
 *
 * Usage: node --import tsx bench/soak.ts [--minutes 10] [--transport local|dds] [--width 640] [--height 480]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { EpisodeEventKind, MsgType, RewardStatus } from "../lib/codec/messages.js";
import { createLogger } from "../lib/node/log.js";
import { startNode } from "../lib/node/node.js";
import { LatencyWindow } from "../lib/reward/stats.js";
import type { Provider } from "../lib/reward/model.js";
import { timeFromSeconds } from "../lib/time/rosTime.js";
import { LocalBus, LocalTransport } from "../lib/transport/local.js";
import { QOS_SENSOR_DATA } from "../lib/transport/qos.js";
import type { Transport } from "../lib/transport/transport.js";
import { createPublisher, subscribe } from "../lib/transport/typed.js";
import { rewardNode, type RunningRewardNode } from "../nodes/reward/reward.js";
import { stampedCdr, texturedFrames } from "./frames.js";
import { os } from "./os.js";

export interface SoakOptions {
  readonly seconds: number;
  readonly transport: "local" | "dds";
  readonly width: number;
  readonly height: number;
  readonly rateHz: number;
  /** Samples before this are warm-up (JIT, thread pools, allocator arenas) and not judged. */
  readonly warmupSeconds: number;
  readonly sampleMs: number;
  /** An episode ends (TRUNCATED) and the next STARTs every this many seconds. */
  readonly episodeSeconds: number;
  readonly maxRssGrowth: number;
  readonly maxBacklog: number;
  readonly model: string;
  readonly providers: readonly Provider[];
  readonly threads: number;
  readonly onSample?: (s: SoakSample) => void;
}

export const SOAK_DEFAULTS: SoakOptions = {
  seconds: 600,
  transport: "local",
  width: 640,
  height: 480,
  rateHz: 30,
  warmupSeconds: 60,
  sampleMs: 1000,
  episodeSeconds: 20,
  maxRssGrowth: 0.1,
  // one group being scored, one waiting (latest wins), one reward on its way to the subscriber
  maxBacklog: 3,
  model: "models/placeholder",
  providers: ["cpu"],
  threads: 0,
};

export interface SoakSample {
  readonly t: number;
  readonly rssMB: number;
  readonly heapMB: number;
  readonly arrayBuffersMB: number;
  /** Groups synced but not yet scored, dropped or answered on /reward. */
  readonly backlog: number;
  readonly rewards: number;
  readonly latencyP50: number;
}

export interface SoakResult {
  readonly options: Omit<SoakOptions, "onSample">;
  readonly machine: string;
  readonly wallSeconds: number;
  readonly samples: SoakSample[];
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Frames lost before the node saw them (keep-last overflow on the local bus; DDS best-effort losses). */
  readonly framesLostInTransport: number;
  readonly groupsSynced: number;
  readonly groupsDropped: number;
  readonly groupsRateLimited: number;
  readonly groupsOutsideEpisode: number;
  readonly rewards: number;
  /** Rewards that answer a synced group (all but the stale ones that close an episode without a frame). */
  readonly rewardsForGroups: number;
  /** Backlog after the cameras stopped and the node drained: 0 unless a group was lost inside the node. */
  readonly finalBacklog: number;
  readonly rewardsError: number;
  readonly frameErrors: number;
  readonly cdrErrors: number;
  readonly episodes: number;
  readonly maxBacklog: number;
  readonly rssWarmMB: number;
  readonly rssEndMB: number;
  readonly rssMaxMB: number;
  readonly rssGrowth: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  /** Targets not met, each a sentence; empty when the soak passed. */
  readonly failures: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
};
const MB = 1024 * 1024;

async function openTransports(kind: SoakOptions["transport"]): Promise<{
  node: Transport;
  cameras: Transport;
  close: () => Promise<void>;
}> {
  if (kind === "local") {
    const bus = new LocalBus();
    const node = new LocalTransport(bus);
    const cameras = new LocalTransport(bus);
    return { node, cameras, close: async () => void (await Promise.all([node.close(), cameras.close()])) };
  }
  // Loopback only and a domain of its own, as the DDS tests and bench/dds.ts do.
  const { useLoopbackDds } = await import("../lib/transport/ddsLoopback.js");
  process.env.ROS_DOMAIN_ID ??= String(150 + (process.pid % 50));
  useLoopbackDds();
  const { openDdsTransport } = await import("../lib/transport/dds.js");
  const node = openDdsTransport({ nodeName: "soak_reward" });
  const cameras = openDdsTransport({ nodeName: "soak_cameras" });
  return { node, cameras, close: async () => void (await Promise.all([node.close(), cameras.close()])) };
}

export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakResult> {
  const o: SoakOptions = { ...SOAK_DEFAULTS, ...options };
  const topics = ["/soak/front", "/soak/left", "/soak/wrist"];
  const ns = `/soak_${process.pid}`;
  const logger = createLogger(
    "soak",
    (level, _n, m) => level !== "debug" && level !== "info" && process.stderr.write(`[soak] ${m}\n`),
  );
  const transports = await openTransports(o.transport);
  const node = await startNode(rewardNode, {
    transport: transports.node,
    logger,
    params: {
      camera_topics: topics.map((t) => ns + t),
      providers: [...o.providers],
      model: o.model,
      ort_threads: o.threads,
      sync_slop_ms: 10,
      max_age_ms: 500,
      reward_topic: `${ns}/reward`,
      episode_topic: `${ns}/episode`,
      diagnostics_period_s: 5,
    },
  });
  const stats = (node.running as RunningRewardNode).stats;
  const cams = topics.map((t) => transports.cameras.createPublisher(ns + t, MsgType.Image, QOS_SENSOR_DATA));
  const episodes = createPublisher(transports.cameras, `${ns}/episode`, MsgType.EpisodeEvent);
  let rewards = 0;
  let perGroup = 0;
  let rewardsError = 0;
  let window = new LatencyWindow(4096);
  const all = new LatencyWindow(1 << 16);
  const sub = subscribe(transports.cameras, `${ns}/reward`, MsgType.DenseReward).subscribe((r) => {
    rewards++;
    if (r.status === RewardStatus.ERROR) rewardsError++;
    // A stale reward closes an episode without a new group; every other one answers a synced group.
    if (r.status !== RewardStatus.DEGRADED_STALE) {
      perGroup++;
      window.add(r.latency_ms);
      all.add(r.latency_ms);
    }
  });
  const images = texturedFrames(4, o.width, o.height, topics);
  let episode = 0n;
  let episodesRun: number;
  const event = (kind: number, t: number): void =>
    episodes.publish({
      header: { stamp: timeFromSeconds(t), frame_id: "" },
      event: kind,
      episode_id: episode,
      step: 0,
      task: "",
      detail: "",
    });
  const backlog = (): number =>
    stats.groupsSynced -
    stats.groupsDropped -
    stats.groupsRateLimited -
    stats.groupsOutsideEpisode -
    perGroup;

  const samples: SoakSample[] = [];
  let maxBacklog = 0;
  const start = performance.now();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    const b = backlog();
    maxBacklog = Math.max(maxBacklog, b);
    const sample: SoakSample = {
      t: (performance.now() - start) / 1000,
      rssMB: m.rss / MB,
      heapMB: m.heapUsed / MB,
      arrayBuffersMB: m.arrayBuffers / MB,
      backlog: b,
      rewards,
      latencyP50: window.percentile(50),
    };
    window = new LatencyWindow(4096);
    samples.push(sample);
    o.onSample?.(sample);
  }, o.sampleMs);

  let sent = 0;
  try {
    await new Promise((r) => setTimeout(r, 50));
    episode = 1n;
    event(EpisodeEventKind.START, 0);
    episodesRun = 1;
    const total = Math.round(o.seconds * o.rateHz);
    const perEpisode = Math.round(o.episodeSeconds * o.rateHz);
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / o.rateHz;
      while (performance.now() < due)
        await new Promise((r) => setTimeout(r, Math.max(0, Math.min(4, due - performance.now()))));
      const t = 1 + i / o.rateHz;
      if (i > 0 && i % perEpisode === 0) {
        event(EpisodeEventKind.TRUNCATED, t);
        episode++;
        episodesRun++;
        event(EpisodeEventKind.START, t);
      }
      const set = images[i % images.length]!;
      set.forEach((img, v) => cams[v]!.publish(stampedCdr(img, t)));
      sent += set.length;
    }
    // Let the last group finish (one inference at most is running, one waiting).
    const drainUntil = performance.now() + 5000;
    while (backlog() > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  } finally {
    clearInterval(sampler);
    sub.unsubscribe();
    await node.stop();
    await transports.close();
  }
  const finalBacklog = backlog();
  const wallSeconds = (performance.now() - start) / 1000;
  const judged = samples.filter((s) => s.t >= o.warmupSeconds);
  const tenth = Math.max(3, Math.floor(judged.length / 10));
  const rssWarmMB = median(judged.slice(0, tenth).map((s) => s.rssMB));
  const rssEndMB = median(judged.slice(-tenth).map((s) => s.rssMB));
  const rssGrowth = rssEndMB / rssWarmMB - 1;
  const framesReceived = stats.framesReceived.reduce((a, b) => a + b, 0);
  const failures: string[] = [];
  if (judged.length < 6)
    failures.push(`only ${judged.length} samples after warm-up: run longer than ${o.warmupSeconds} s`);
  if (!(rssGrowth < o.maxRssGrowth))
    failures.push(
      `RSS grew ${(100 * rssGrowth).toFixed(1)}% after warm-up (${rssWarmMB.toFixed(0)} → ${rssEndMB.toFixed(0)} MB), target < ${(100 * o.maxRssGrowth).toFixed(0)}%`,
    );
  if (maxBacklog > o.maxBacklog)
    failures.push(`backlog reached ${maxBacklog} groups, bound ${o.maxBacklog} (latest wins must cap it)`);
  if (perGroup === 0) failures.push("no reward was published");
  if (finalBacklog !== 0)
    failures.push(`${finalBacklog} synced groups were neither scored nor counted as dropped`);
  const { onSample: _drop, ...kept } = o;
  return {
    options: kept,
    machine: os(),
    wallSeconds,
    samples,
    framesSent: sent,
    framesReceived,
    framesLostInTransport: sent - framesReceived,
    groupsSynced: stats.groupsSynced,
    groupsDropped: stats.groupsDropped,
    groupsRateLimited: stats.groupsRateLimited,
    groupsOutsideEpisode: stats.groupsOutsideEpisode,
    rewards,
    rewardsForGroups: perGroup,
    finalBacklog,
    rewardsError,
    frameErrors: stats.frameErrors,
    cdrErrors: stats.cdrErrors,
    episodes: episodesRun,
    maxBacklog,
    rssWarmMB,
    rssEndMB,
    rssMaxMB: Math.max(...samples.map((s) => s.rssMB)),
    rssGrowth,
    latencyP50: all.percentile(50),
    latencyP99: all.percentile(99),
    failures,
  };
}

/** The soak's figures as markdown lines (also what the command prints). */
export function soakSummary(r: SoakResult): string {
  const o = r.options;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  return [
    `soak: ${o.transport} transport, 3 × ${o.rateHz} Hz ${o.width}×${o.height} rgb8, ${r.wallSeconds.toFixed(0)} s ` +
      `(warm-up ${o.warmupSeconds} s), ${r.episodes} episodes; ${r.machine}`,
    `- RSS: ${r.rssWarmMB.toFixed(0)} MB after warm-up → ${r.rssEndMB.toFixed(0)} MB at the end ` +
      `(growth ${pct(r.rssGrowth)}, target < ${pct(o.maxRssGrowth)}); max ${r.rssMaxMB.toFixed(0)} MB`,
    `- backlog (synced groups not yet scored or dropped): max ${r.maxBacklog}, bound ${o.maxBacklog}`,
    `- frames: ${r.framesSent} sent, ${r.framesReceived} received by the node, ${r.framesLostInTransport} lost in the transport (keep-last 5)`,
    `- groups: ${r.groupsSynced} synced, ${r.groupsDropped} dropped by latest wins ` +
      `(${pct(r.groupsDropped / Math.max(1, r.groupsSynced))}), ${r.groupsOutsideEpisode} between episodes, ${r.groupsRateLimited} rate-limited`,
    `- rewards: ${r.rewards} published (${r.rewardsError} with status error), ${r.frameErrors} frame errors, ${r.cdrErrors} CDR errors`,
    `- camera→reward latency: p50 ${r.latencyP50.toFixed(1)} ms, p99 ${r.latencyP99.toFixed(1)} ms`,
    r.failures.length === 0 ? "- result: PASS" : `- result: FAIL: ${r.failures.join("; ")}`,
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "10" },
      transport: { type: "string", default: "local" },
      width: { type: "string", default: "640" },
      height: { type: "string", default: "480" },
      warmup: { type: "string" },
      json: { type: "string" },
    },
  });
  const seconds = Number(values.minutes) * 60;
  if (values.transport !== "local" && values.transport !== "dds")
    throw new Error(`--transport must be local or dds, got '${values.transport}'`);
  const result = await runSoak({
    seconds,
    transport: values.transport,
    width: Number(values.width),
    height: Number(values.height),
    warmupSeconds: values.warmup ? Number(values.warmup) : Math.min(60, seconds / 5),
    onSample: (s) =>
      s.t % 30 < 1 &&
      process.stderr.write(
        `  t=${s.t.toFixed(0)} s  RSS ${s.rssMB.toFixed(0)} MB  heap ${s.heapMB.toFixed(0)} MB  backlog ${s.backlog}  rewards ${s.rewards}\n`,
      ),
  });
  process.stdout.write(`${soakSummary(result)}\n`);
  if (values.json) {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(values.json, JSON.stringify(result, null, 2));
  }
  process.exitCode = result.failures.length === 0 ? 0 : 1;
}
