// Φ of a replay's /reward stream against time and against a real bag's stage-annotation labels:
//   npx tsx models/eval/phiTrace.ts <rewards.mcap> <annotated bag folder>
// prints JSON: rewards, Spearman of phi_next vs time and vs the labels, first and last phi_next.
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { openBag } from "../../lib/bag/openBag.js";
import { readStageAnnotations, stageProgress } from "../../lib/bag/stageAnnotations.js";
import { codecFor, MsgType, type DenseReward } from "../../lib/codec/index.js";
import { spearman } from "../../lib/math/spearman.js";

export interface PhiTrace {
  readonly rewards: number;
  /** Rewards with status OK (0). */
  readonly ok: number;
  readonly spearman_time: number;
  readonly spearman_labels: number;
  readonly phi_first: number;
  readonly phi_last: number;
  readonly phi_max: number;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** phi_next of each reward, in order, against its header stamp and the label of that stamp. */
export async function phiTrace(rewardsMcap: string, annotatedBag: string): Promise<PhiTrace> {
  const source = await openBag(annotatedBag);
  const range = { startNs: source.startTime!, endNs: source.endTime! };
  await source.close();
  if (range.startNs === undefined) throw new Error(`${annotatedBag}: the bag is empty`);
  const folder = statSync(annotatedBag).isDirectory() ? annotatedBag : dirname(annotatedBag);
  const episode = (await readStageAnnotations(folder, range)).episodes[0]!;
  const codec = codecFor<DenseReward>(MsgType.DenseReward);
  const out = await openBag(rewardsMcap);
  const phi: number[] = [];
  const label: number[] = [];
  const time: number[] = [];
  let ok = 0;
  try {
    for await (const m of out.messages({ topics: ["/reward"] })) {
      const r = codec.decode(m.data);
      const ns = BigInt(r.header.stamp.sec) * 1_000_000_000n + BigInt(r.header.stamp.nanosec);
      phi.push(r.phi_next);
      time.push(Number(ns - range.startNs) / 1e9);
      label.push(stageProgress(episode, ns));
      if (r.status === 0) ok++;
    }
  } finally {
    await out.close();
  }
  if (phi.length === 0) throw new Error(`${rewardsMcap}: no /reward messages`);
  return {
    rewards: phi.length,
    ok,
    spearman_time: round(spearman(phi, time)),
    spearman_labels: round(spearman(phi, label)),
    phi_first: round(phi[0]!),
    phi_last: round(phi[phi.length - 1]!),
    phi_max: round(Math.max(...phi)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [mcap, bag] = process.argv.slice(2);
  if (!mcap || !bag) {
    process.stderr.write("usage: npx tsx models/eval/phiTrace.ts <rewards.mcap> <annotated bag>\n");
    process.exit(2);
  }
  phiTrace(mcap, bag).then(
    (t) => process.stdout.write(JSON.stringify(t) + "\n"),
    (err: Error) => {
      process.stderr.write(`phiTrace: ${err.message}\n`);
      process.exit(1);
    },
  );
}
