// Scores a recorded episode bag with a served GRM (kind grm) and with the shipped CNN hop model, and compares
// them: VOC of each per episode (Spearman of Φ against time, on the steps each scored OK) and the Spearman
// correlation of the two Φ series on the steps both scored. Needs a reachable GRM server (README, "Served
// VLMs"); the CNN runs locally. Usage:
//   npx tsx scripts/grm-score-episode.ts <bag> [--endpoint http://gpu-host:8000/v1] [--grm models/grm_3b]
//       [--cnn models/hop_pick_place] [--out /tmp/grm-compare]
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { openBag } from "../lib/bag/openBag.js";
import { topicDecoders } from "../lib/bag/decoders.js";
import { RewardStatus, type DenseReward } from "../lib/codec/messages.js";
import { spearman } from "../lib/math/spearman.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    endpoint: { type: "string", default: "" },
    grm: { type: "string", default: "models/grm_3b" },
    cnn: { type: "string", default: "models/hop_pick_place" },
    out: { type: "string", default: "/tmp/grm-compare" },
  },
});
const bag = positionals[0];
if (!bag) {
  process.stderr.write(
    "usage: npx tsx scripts/grm-score-episode.ts <bag> [--endpoint URL] [--grm DIR] [--cnn DIR] [--out DIR]\n",
  );
  process.exit(2);
}

/** One `process-reward replay` of the bag with `model`; returns the rewards of the output bag. */
async function replay(name: string, model: string, params: string | undefined): Promise<DenseReward[]> {
  const out = join(values.out, `${name}.mcap`);
  const args = ["process-reward", "replay", bag, "--model", resolve(model), "--out", out, "--no-progress"];
  if (params) args.push("--params", params);
  process.stderr.write(`npx ${args.join(" ")}\n`);
  const run = spawnSync("npx", args, { stdio: "inherit" });
  if (run.status !== 0) throw new Error(`replay with ${model} exited with ${run.status}`);
  const rewards: DenseReward[] = [];
  const opened = await openBag(out);
  try {
    const { decoders } = topicDecoders(opened.topics, (m) => process.stderr.write(`${m}\n`));
    const decoder = decoders.get("/reward");
    if (!decoder) throw new Error(`${out} has no /reward topic`);
    for await (const m of opened.messages()) {
      if (m.topic === "/reward") rewards.push(decoder.decode(m.data) as DenseReward);
    }
  } finally {
    await opened.close();
  }
  return rewards;
}

const key = (m: DenseReward): string => `${m.episode_id}/${m.header.stamp.sec}.${m.header.stamp.nanosec}`;

function perEpisode(rewards: DenseReward[]): Map<string, DenseReward[]> {
  const episodes = new Map<string, DenseReward[]>();
  for (const m of rewards) {
    if (m.status === RewardStatus.ERROR) continue;
    const id = String(m.episode_id);
    episodes.set(id, [...(episodes.get(id) ?? []), m]);
  }
  return episodes;
}

await mkdir(values.out, { recursive: true });
let grmParams: string | undefined;
if (values.endpoint) {
  grmParams = join(values.out, "grm-params.yaml");
  await writeFile(
    grmParams,
    `reward:\n  ros__parameters:\n    grm_endpoint: ${JSON.stringify(values.endpoint)}\n`,
  );
}
const grm = await replay("grm", values.grm, grmParams);
const cnn = await replay("cnn", values.cnn, undefined);
const errors = grm.filter((m) => m.status === RewardStatus.ERROR).length;
const grmEpisodes = perEpisode(grm);
const cnnEpisodes = perEpisode(cnn);
const cnnByKey = new Map(cnn.map((m) => [key(m), m.progress]));
const rows = [...grmEpisodes.entries()].map(([id, g]) => {
  const c = cnnEpisodes.get(id) ?? [];
  const voc = (xs: DenseReward[]) =>
    xs.length > 1
      ? spearman(
          xs.map((m) => m.progress),
          xs.map((_m, i) => i),
        )
      : NaN;
  const both = g.filter((m) => cnnByKey.has(key(m)));
  const agreement = spearman(
    both.map((m) => m.progress),
    both.map((m) => cnnByKey.get(key(m))!),
  );
  return { episode: id, steps: g.length, vocGrm: voc(g), vocCnn: voc(c), spearmanGrmCnn: agreement };
});
process.stdout.write(
  `grm (${values.grm}): ${grm.length} rewards, ${errors} ERROR steps; cnn (${values.cnn}): ${cnn.length} rewards\n`,
);
process.stdout.write("episode  steps  VOC grm  VOC cnn  Spearman(grm, cnn)\n");
for (const r of rows) {
  process.stdout.write(
    `${r.episode.padStart(7)}  ${String(r.steps).padStart(5)}  ${r.vocGrm.toFixed(3).padStart(7)}  ${r.vocCnn.toFixed(3).padStart(7)}  ${r.spearmanGrmCnn.toFixed(3).padStart(8)}\n`,
  );
}
await writeFile(join(values.out, "comparison.json"), `${JSON.stringify(rows, null, 2)}\n`);
