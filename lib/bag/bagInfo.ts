import { topicDecoders, type DefinitionSource } from "./decoders.js";
import type { Bag } from "./openBag.js";

export interface TopicSummary {
  readonly name: string;
  readonly type: string;
  readonly count: number;
  /** Where the definition used to decode comes from; absent when the topic cannot be decoded. */
  readonly definition?: DefinitionSource;
  /** Why the topic cannot be decoded (no definition, or its messages do not decode). */
  readonly problem?: string;
  /** Messages decoded to check the definition (the first one, or all with `check`). */
  readonly decoded: number;
}

export interface BagSummary {
  readonly path: string;
  readonly storage: string;
  readonly files: readonly string[];
  readonly compression: string;
  readonly messageCount: number;
  readonly startTime?: bigint;
  readonly endTime?: bigint;
  readonly topics: readonly TopicSummary[];
  /** Definition fall-backs and other notes from decoding. */
  readonly notes: readonly string[];
  readonly damage: readonly string[];
}

function compressionOf(bag: Bag): string {
  const mode = bag.metadata?.compressionMode ?? "none";
  return mode === "none" ? "none" : `${bag.metadata!.compressionFormat} per ${mode}`;
}

/**
 * What `bag info` reports. Each topic's first message is decoded (with `check`: every message), so a
 * definition that parses but does not fit the recorded bytes shows up here rather than during a replay.
 */
export async function summarizeBag(bag: Bag, options: { check?: boolean } = {}): Promise<BagSummary> {
  const notes: string[] = [];
  const { decoders, skipped } = topicDecoders(bag.topics, (m) => notes.push(m));
  const skippedBy = new Map(skipped.map((s) => [s.topic, s.reason]));
  const damage = [...bag.damage];
  const topics: TopicSummary[] = [];
  for (const topic of bag.topics) {
    const decoder = decoders.get(topic.name);
    if (!decoder) {
      topics.push({
        name: topic.name,
        type: topic.type,
        count: topic.count,
        problem: skippedBy.get(topic.name)!,
        decoded: 0,
      });
      continue;
    }
    let decoded = 0;
    let problem: string | undefined;
    try {
      for await (const message of bag.messages({ topics: [topic.name] })) {
        try {
          decoder.decode(message.data);
          decoded++;
        } catch (err) {
          problem ??= `message ${decoded + 1} does not decode: ${(err as Error).message}`;
        }
        if (!options.check) break;
      }
    } catch (err) {
      // Damage already listed from opening; anything else found while reading is listed once here.
      const message = (err as Error).message;
      if (!damage.some((d) => message.includes(d) || d.includes(message))) damage.push(message);
    }
    topics.push({
      name: topic.name,
      type: topic.type,
      count: topic.count,
      definition: decoder.source,
      decoded,
      ...(problem ? { problem } : {}),
    });
  }
  // Skip warnings are in `problem`; keep only the other notes (definition fall-backs).
  const extra = notes.filter((n) => !n.startsWith("skipping topic "));
  return {
    path: bag.path,
    storage: bag.storage,
    files: bag.files,
    compression: compressionOf(bag),
    messageCount: bag.messageCount,
    ...(bag.startTime !== undefined ? { startTime: bag.startTime } : {}),
    ...(bag.endTime !== undefined ? { endTime: bag.endTime } : {}),
    topics,
    notes: extra,
    damage,
  };
}
