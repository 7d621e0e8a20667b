import type { MessageDefinition } from "@foxglove/message-definition";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import { codecFor, codecFromDefinitionText, definitions, CdrDecodeError } from "../codec/index.js";
import type { BagTopic } from "./types.js";

// rosbag2 records a service-event topic (`pkg/srv/T_Event`) with the service's `.srv` text as its
// definition: request and response separated by `---`, not the event message actually on the wire.
const SECTION_SEPARATOR = /^---\s*$/m;
// XCDR1 payloads are padded to a multiple of 4 bytes; more left over means the definition is not the one
// the data was written with (some bags record a truncated or placeholder definition).
const MAX_PADDING = 3;

export type DefinitionSource = "bag" | "built-in";

interface Candidate {
  readonly source: DefinitionSource;
  readonly reader: MessageReader;
}

/**
 * Decodes one topic's messages. The definition recorded in the bag comes first; if the first message
 * shows that it does not fit the data (the decode fails or leaves bytes over) the built-in definition of
 * the same type is tried instead, with a warning, and whichever fits is kept for the rest of the topic.
 */
export class TopicDecoder {
  private chosen: Candidate | undefined;

  constructor(
    readonly topic: string,
    readonly type: string,
    private readonly candidates: readonly Candidate[],
    private readonly warn: (message: string) => void,
  ) {}

  /** Where the definition in use came from (before the first message: the first candidate). */
  get source(): DefinitionSource {
    return (this.chosen ?? this.candidates[0]!).source;
  }

  decode(data: Uint8Array): unknown {
    if (this.chosen) return read(this.chosen, this.type, data);
    const failures: string[] = [];
    for (const candidate of this.candidates) {
      try {
        const message = read(candidate, this.type, data);
        if (failures.length > 0)
          this.warn(`topic ${this.topic}: ${failures.join("; ")}; using the ${candidate.source} definition`);
        this.chosen = candidate;
        return message;
      } catch (err) {
        failures.push(`the ${candidate.source} definition does not fit: ${(err as Error).message}`);
      }
    }
    throw new CdrDecodeError(this.type, `on ${this.topic}: ${failures.join("; ")}`);
  }
}

function read(candidate: Candidate, type: string, data: Uint8Array): unknown {
  let message: unknown;
  try {
    message = candidate.reader.readMessage(data);
  } catch (err) {
    throw new CdrDecodeError(type, `${(err as Error).message} (${data.byteLength} bytes)`);
  }
  const used = candidate.reader.lastReadByteLength();
  // Image data fields are views into `data`, which may be a slice of a larger chunk buffer: a length that
  // runs past the message would otherwise read its neighbours.
  if (used > data.byteLength)
    throw new CdrDecodeError(type, `fields need ${used} bytes but the message has ${data.byteLength}`);
  if (data.byteLength - used > MAX_PADDING)
    throw new CdrDecodeError(
      type,
      `${data.byteLength - used} of ${data.byteLength} bytes left after the last field`,
    );
  return message;
}

export interface SkippedTopic {
  readonly topic: string;
  readonly type: string;
  readonly reason: string;
}

export interface TopicDecoders {
  readonly decoders: ReadonlyMap<string, TopicDecoder>;
  readonly skipped: readonly SkippedTopic[];
}

function recordedDefinitions(topic: BagTopic): {
  definitions?: readonly MessageDefinition[];
  problem: string;
} {
  const recorded = topic.definition;
  if (!recorded) return { problem: "the bag records no definition" };
  if (recorded.encoding !== "ros2msg")
    return { problem: `its recorded definition is '${recorded.encoding}', which this reader does not parse` };
  if (SECTION_SEPARATOR.test(recorded.text))
    return {
      problem:
        "its recorded definition is a service or action (sections split by '---'), not the message type",
    };
  try {
    return { definitions: codecFromDefinitionText(topic.type, recorded.text).definitions, problem: "" };
  } catch (err) {
    return { problem: `its recorded definition does not parse: ${(err as Error).message}` };
  }
}

function builtInDefinitions(type: string): { definitions?: readonly MessageDefinition[]; problem: string } {
  if (!definitions().has(type)) return { problem: `'${type}' is not a built-in type` };
  try {
    return { definitions: codecFor(type).definitions, problem: "" };
  } catch (err) {
    return { problem: `the built-in '${type}' is incomplete: ${(err as Error).message}` };
  }
}

/**
 * A decoder for every topic that can be decoded: from the definition the bag recorded, else from the
 * built-in registry (standard ROS 2 types and ours). Topics neither can serve are skipped, each with a
 * warning naming the topic and why, so one odd topic never stops a replay.
 */
export function topicDecoders(topics: readonly BagTopic[], warn: (message: string) => void): TopicDecoders {
  const decoders = new Map<string, TopicDecoder>();
  const skipped: SkippedTopic[] = [];
  for (const topic of topics) {
    let reason: string;
    if (topic.serializationFormat !== "cdr") {
      reason = `serialization format '${topic.serializationFormat}' is not CDR`;
    } else {
      const recorded = recordedDefinitions(topic);
      const builtIn = builtInDefinitions(topic.type);
      const candidates: Candidate[] = [];
      if (recorded.definitions)
        candidates.push({ source: "bag", reader: new MessageReader([...recorded.definitions]) });
      if (builtIn.definitions)
        candidates.push({ source: "built-in", reader: new MessageReader([...builtIn.definitions]) });
      if (candidates.length > 0) {
        decoders.set(topic.name, new TopicDecoder(topic.name, topic.type, candidates, warn));
        continue;
      }
      reason = `${recorded.problem}, and ${builtIn.problem}`;
    }
    skipped.push({ topic: topic.name, type: topic.type, reason });
    warn(`skipping topic ${topic.name} (${topic.type || "no type"}): ${reason}`);
  }
  return { decoders, skipped };
}
