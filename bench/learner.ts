/**
 * The online learner's update rate on its own networks and batch (the experiment's and the policy node's
 * TD3+BC: DEFAULT_TD3, the policy node's batch of 128), beside the same update in PyTorch on the CPU
 * (bench/learner_torch.py, Debian's python3-torch), measured in one run so machine load affects both alike.
 * Usage: node --import tsx bench/learner.ts [--updates 300]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { packagePath } from "../lib/paths.js";
import { Rng } from "../lib/rl/random.js";
import { ReplayBuffer } from "../lib/rl/replayBuffer.js";
import { ACTION_DIM } from "../lib/rl/spaces.js";
import { DEFAULT_TD3, Td3Agent } from "../lib/rl/td3.js";

/** The observation size of the sim's pick_place (config/tasks/pick_place.yaml). */
const OBSERVATION_DIM = 24;
// The policy node's batch_size default, also what the experiment runs with.
const BATCH = 128;

export interface LearnerBenchResult {
  readonly networks: string;
  readonly batch: number;
  readonly updates: number;
  readonly oursUpdatesPerSecond: number;
  /** PyTorch with one thread (as the learner's wasm backend runs) and with every core. */
  readonly torch1UpdatesPerSecond?: number;
  readonly torchAllUpdatesPerSecond?: number;
  readonly ratioToTorch1?: number;
  readonly torchError?: string;
}

/** A replay buffer of random transitions, so the bench samples batches as the learner does. */
function randomReplay(rng: Rng): ReplayBuffer {
  const buffer = new ReplayBuffer(4 * BATCH, OBSERVATION_DIM, ACTION_DIM);
  const fill = (k: number, f: () => number): Float32Array => Float32Array.from({ length: k }, f);
  for (let i = 0; i < 4 * BATCH; i++)
    buffer.add({
      observation: fill(OBSERVATION_DIM, () => rng.normal()),
      action: fill(ACTION_DIM, () => rng.uniform() * 2 - 1),
      reward: rng.normal(),
      nextObservation: fill(OBSERVATION_DIM, () => rng.normal()),
      terminal: false,
      truncated: false,
    });
  return buffer;
}

function torchRate(updates: number, threads: number): number {
  const args = [
    packagePath("bench", "learner_torch.py"),
    "--obs",
    String(OBSERVATION_DIM),
    "--act",
    String(ACTION_DIM),
    "--hidden",
    ...DEFAULT_TD3.hidden.map(String),
    "--batch",
    String(BATCH),
    "--updates",
    String(updates),
    "--threads",
    String(threads),
    ...(DEFAULT_TD3.criticLayerNorm ? ["--layer-norm"] : []),
    ...(DEFAULT_TD3.fineScale ? ["--fine-scale", String(DEFAULT_TD3.fineScale)] : []),
  ];
  const r = spawnSync("/usr/bin/python3", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`learner_torch.py failed: ${r.stderr || r.error?.message}`);
  return (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { updates_per_second: number })
    .updates_per_second;
}

function oursRate(updates: number): number {
  const agent = new Td3Agent(
    { ...DEFAULT_TD3, actorWarmupUpdates: 0, observationDim: OBSERVATION_DIM, actionDim: ACTION_DIM },
    1,
  );
  const rng = new Rng("bench-learner");
  const buffer = randomReplay(rng);
  const batch = buffer.sample(BATCH, rng);
  const demos = buffer.sample(BATCH, rng);
  try {
    for (let i = 0; i < 20; i++) agent.update(batch, demos, rng);
    const t0 = performance.now();
    for (let i = 0; i < updates; i++) agent.update(batch, demos, rng);
    return updates / ((performance.now() - t0) / 1000);
  } finally {
    agent.dispose();
  }
}

export function benchLearner(updates = 300): LearnerBenchResult {
  const networks = `actor + twin critics ${OBSERVATION_DIM}+${ACTION_DIM}→${DEFAULT_TD3.hidden.join("→")}${DEFAULT_TD3.criticLayerNorm ? " (LayerNorm critics)" : ""}${DEFAULT_TD3.fineScale ? `, observation beside its fine-scale copy (k ${DEFAULT_TD3.fineScale})` : ""}, Adam, policy delay ${DEFAULT_TD3.policyDelay}`;
  // Interleaved, ours first and last, so a change in machine load shows up in both.
  const a = oursRate(updates);
  let torch1: number | undefined;
  let torchAll: number | undefined;
  let torchError: string | undefined;
  try {
    torch1 = torchRate(updates, 1);
    torchAll = torchRate(updates, availableParallelism());
  } catch (err) {
    torchError = (err as Error).message;
  }
  const b = oursRate(updates);
  const ours = (a + b) / 2;
  return {
    networks,
    batch: BATCH,
    updates,
    oursUpdatesPerSecond: ours,
    ...(torch1 !== undefined
      ? { torch1UpdatesPerSecond: torch1, torchAllUpdatesPerSecond: torchAll, ratioToTorch1: ours / torch1 }
      : { torchError }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({ options: { updates: { type: "string", default: "300" } } });
  process.stdout.write(`${JSON.stringify(benchLearner(Number(values.updates)), null, 2)}\n`);
}
