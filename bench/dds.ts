// Image throughput and latency through the Cyclone DDS addon, measured beside Cyclone's own `ddsperf` on
// the same payload size, the same (loopback) configuration and the same QoS in the same run, so the ratio
// says what the Node binding costs. Targets (issue 3): >= 0.8x ddsperf throughput, 12 MP at >= 30 fps.
// The two are measured alternately for --rounds rounds and the medians compared, because a shared machine's
// load changes within a run.
// Usage: node --import tsx bench/dds.ts [--seconds S] [--images 640x480,4000x3000] [--pings N] [--rounds R]
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { packagePath } from "../lib/paths.js";
import { openDdsTransport } from "../lib/transport/dds.js";
import { qos } from "../lib/transport/qos.js";
import { patternImageCdr } from "../lib/image/patternImage.js";
import { uniqueTopic, useLoopbackDds } from "../lib/transport/ddsLoopback.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    images: { type: "string", default: "640x480,4000x3000" },
    pings: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds);
const pings = Number(values.pings);
const rounds = Number(values.rounds);
// A domain of its own, so other DDS traffic on this machine does not share the measurement.
process.env.ROS_DOMAIN_ID = String(100 + (process.pid % 50));
const env = useLoopbackDds();
const domain = ["-i", env.ROS_DOMAIN_ID!];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function lines(child: ChildProcess, onLine: (line: string) => void): Promise<number | null> {
  createInterface({ input: child.stdout! }).on("line", onLine);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/** Samples per second from arrival times (ms), leaving out the first second (discovery, warm-up). */
function steadyRate(arrivals: number[]): number {
  const start = arrivals[0]! + 1000;
  const steady = arrivals.filter((t) => t >= start);
  if (steady.length < 2)
    return arrivals.length > 1 ? ((arrivals.length - 1) * 1000) / (arrivals.at(-1)! - arrivals[0]!) : 0;
  return ((steady.length - 1) * 1000) / (steady.at(-1)! - steady[0]!);
}

/** ddsperf pub -> sub, reliable keep-last 10, `size` bytes: samples per second at the subscriber. */
async function ddsperfThroughput(size: number): Promise<number> {
  const sub = spawn("ddsperf", [...domain, "-D", String(seconds + 2), "-k", "10", "sub"], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const totals: { t: number; total: number }[] = [];
  const subDone = lines(sub, (line) => {
    const m = /\] ([\d.]+)\s+size \d+ total (\d+)/.exec(line);
    if (m) totals.push({ t: Number(m[1]), total: Number(m[2]) });
  });
  await sleep(500);
  const pub = spawn(
    "ddsperf",
    [...domain, "-D", String(seconds + 1), "-k", "10", "pub", "size", String(size)],
    {
      env,
      stdio: "ignore",
    },
  );
  await new Promise((resolve) => pub.on("exit", resolve));
  sub.kill("SIGINT");
  await subDone;
  const steady = totals.slice(1); // the first report includes discovery
  if (steady.length < 2) throw new Error(`ddsperf reported too little for size ${size}`);
  return (steady.at(-1)!.total - steady[0]!.total) / (steady.at(-1)!.t - steady[0]!.t);
}

/** ddsperf ping <-> pong round trips of `size` bytes: median of its per-second medians, in ms. */
async function ddsperfRoundTrip(size: number): Promise<number> {
  const pong = spawn("ddsperf", [...domain, "-D", String(seconds + 2), "pong"], { env, stdio: "ignore" });
  await sleep(300);
  const ping = spawn("ddsperf", [...domain, "-D", String(seconds), "ping", "size", String(size)], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const medians: number[] = [];
  await lines(ping, (line) => {
    // ddsperf prints half the round trip (a one-way estimate; ddsperf.c divides by 2): double it back.
    const m = / 50% ([\d.]+)us/.exec(line);
    if (m) medians.push((2 * Number(m[1])) / 1000);
  });
  pong.kill("SIGINT");
  return median(medians);
}

/** The addon: a publisher process -> this process, reliable keep-last 10; images per second received here. */
async function addonThroughput(width: number, height: number): Promise<number> {
  const transport = openDdsTransport({ nodeName: "dds_bench" });
  const topic = uniqueTopic("bench/image_raw");
  const arrivals: number[] = [];
  const sub = transport
    .subscribe(topic, "sensor_msgs/msg/Image", qos({ reliability: "reliable", depth: 10 }))
    .subscribe(() => arrivals.push(performance.now()));
  const peer = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      packagePath("bench", "ddsPeer.ts"),
      "publish",
      topic,
      String(width),
      String(height),
      String(seconds),
    ],
    { env, stdio: ["ignore", "pipe", "inherit"] },
  );
  const code = await lines(peer, () => {});
  sub.unsubscribe();
  await transport.close();
  if (code !== 0) throw new Error(`the bench publisher exited with ${code}`);
  return steadyRate(arrivals);
}

/** The addon: ping from this process, pong from another; median round trip in ms. */
async function addonRoundTrip(width: number, height: number): Promise<number> {
  const transport = openDdsTransport({ nodeName: "dds_bench" });
  const pingTopic = uniqueTopic("bench/ping");
  const pongTopic = uniqueTopic("bench/pong");
  const peer = spawn(
    process.execPath,
    ["--import", "tsx", packagePath("bench", "ddsPeer.ts"), "pong", pingTopic, pongTopic],
    {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const exited = lines(peer, (line) => line === "ready" && ready());
  await isReady;
  const publisher = transport.createPublisher(pingTopic, "sensor_msgs/msg/Image", qos({ depth: 1 }));
  let pong: (() => void) | undefined;
  const sub = transport
    .subscribe(pongTopic, "sensor_msgs/msg/Image", qos({ depth: 1 }))
    .subscribe(() => pong?.());
  const cdr = patternImageCdr(width, height, 0);
  const rtts: number[] = [];
  try {
    while (publisher.matchedSubscribers() === 0) await sleep(10);
    await sleep(200); // the pong writer must have matched our reader too
    const end = performance.now() + seconds * 1000;
    for (let i = 0; i < pings && performance.now() < end; i++) {
      const back = new Promise<void>((resolve) => (pong = resolve));
      const sent = performance.now();
      publisher.publish(cdr);
      await back;
      rtts.push(performance.now() - sent);
    }
  } finally {
    sub.unsubscribe();
    peer.kill("SIGTERM");
    await exited;
    await transport.close();
  }
  return median(rtts.slice(Math.min(5, rtts.length - 1))); // skip the first few (allocation warm-up)
}

const rows: Record<string, unknown>[] = [];
for (const spec of values.images.split(",")) {
  const [width, height] = spec.split("x").map(Number) as [number, number];
  const size = patternImageCdr(width, height, 0).byteLength;
  const mb = size / 1e6;
  process.stdout.write(
    `\n${width}x${height} rgb8 (${(width * height) / 1e6} MP): ${size} bytes of CDR per image\n`,
  );
  const m = { perf: [] as number[], ours: [] as number[], perfRtt: [] as number[], ourRtt: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    m.perf.push(await ddsperfThroughput(size));
    m.ours.push(await addonThroughput(width, height));
    m.perfRtt.push(await ddsperfRoundTrip(size));
    m.ourRtt.push(await addonRoundTrip(width, height));
    const last = (xs: number[]): string => xs.at(-1)!.toFixed(2);
    process.stdout.write(
      `  round ${round}: addon ${last(m.ours)}/s, ddsperf ${last(m.perf)}/s; ` +
        `round trip addon ${last(m.ourRtt)} ms, ddsperf ${last(m.perfRtt)} ms\n`,
    );
  }
  const [perf, ours, perfRtt, ourRtt] = [m.perf, m.ours, m.perfRtt, m.ourRtt].map(median) as [
    number,
    number,
    number,
    number,
  ];
  process.stdout.write(
    `  median throughput  addon ${ours.toFixed(1)} images/s (${(ours * mb).toFixed(0)} MB/s)   ` +
      `ddsperf ${perf.toFixed(1)} samples/s (${(perf * mb).toFixed(0)} MB/s)   ratio ${(ours / perf).toFixed(2)}\n` +
      `  median round trip  addon ${ourRtt.toFixed(2)} ms   ddsperf ${perfRtt.toFixed(2)} ms   ` +
      `ratio ${(ourRtt / perfRtt).toFixed(2)}\n`,
  );
  rows.push({
    image: `${width}x${height}`,
    bytes: size,
    addonImagesPerSecond: ours,
    ddsperfSamplesPerSecond: perf,
    throughputRatio: ours / perf,
    addonRoundTripMs: ourRtt,
    ddsperfRoundTripMs: perfRtt,
    rounds: m,
  });
}
process.stdout.write(`\n${JSON.stringify(rows)}\n`);
