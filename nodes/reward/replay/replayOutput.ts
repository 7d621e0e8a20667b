import { mkdir } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { BagWriter } from "../../../lib/bag/mcapWriter.js";
import type { Bag } from "../../../lib/bag/openBag.js";
import {
  MsgType,
  RewardStatus,
  type DenseReward,
  type DiagnosticArray,
  type EpisodeEvent,
} from "../../../lib/codec/messages.js";
import { ReplayError } from "./replayError.js";

/** The MCAP file an `--out` names: itself when it ends in .mcap, else `<folder>/<folder name>_0.mcap`. */
export function outputFile(out: string): string {
  return extname(out) === ".mcap" ? out : join(out, `${basename(resolve(out))}_0.mcap`);
}

/** Refuses an output inside the input bag's folder (its metadata.yaml would be replaced); makes the folder. */
export async function prepareOutput(bag: Bag, file: string): Promise<void> {
  const folder = resolve(dirname(file));
  const inputs = [resolve(bag.path), ...bag.files.map((f) => resolve(dirname(f)))];
  if (inputs.includes(folder) || bag.files.some((f) => resolve(f) === resolve(file))) {
    throw new ReplayError(
      `output ${file} would be written into the input bag's folder (its metadata.yaml would be replaced); choose another --out`,
      "usage",
    );
  }
  await mkdir(folder, { recursive: true });
}

interface Pending {
  readonly ns: bigint;
  readonly topic: string;
  readonly type: string;
  readonly message: DenseReward | DiagnosticArray | EpisodeEvent;
}

/**
 * The replay's outputs, stamped with the bag time at which the pipeline produced them. They are emitted from
 * inside the pipeline's promise chain, where the writer cannot be awaited, so they wait here until the
 * reader has let the pipeline settle and then go out in emission order.
 */
export class RewardRecorder {
  readonly counts = { rewards: 0, degraded: 0, errors: 0, announced: 0 };
  private readonly pending: Pending[] = [];

  constructor(
    private readonly writer: BagWriter,
    private readonly rewardTopic: string,
    private readonly nowNs: () => bigint,
  ) {}

  reward(message: DenseReward): void {
    this.counts.rewards++;
    if (message.status === RewardStatus.ERROR) this.counts.errors++;
    else if (message.status !== RewardStatus.OK) this.counts.degraded++;
    this.pending.push({ ns: this.nowNs(), topic: this.rewardTopic, type: MsgType.DenseReward, message });
  }

  /** An episode event the pipeline decided (success_source model), as the node publishes it. */
  episode(topic: string, message: EpisodeEvent): void {
    this.counts.announced++;
    this.pending.push({ ns: this.nowNs(), topic, type: MsgType.EpisodeEvent, message });
  }

  diagnostics(message: DiagnosticArray): void {
    this.pending.push({ ns: this.nowNs(), topic: "/diagnostics", type: MsgType.DiagnosticArray, message });
  }

  async flush(): Promise<void> {
    for (const p of this.pending.splice(0)) await this.writer.write(p.topic, p.type, p.ns, p.message);
  }
}
