import { Observable } from "rxjs";
import { fullTypeName } from "../codec/typeName.js";
import { ddsTopicName, ddsTypeName, rosTopicName, rosTypeName } from "./ddsNames.js";
import { loadDdsAddon, type DdsAddon, type NativeQos } from "./ddsNative.js";
import { QOS_DEFAULT, type QoS } from "./qos.js";
import {
  assertTopicName,
  type CdrBytes,
  type RawPublisher,
  type TopicInfo,
  type Transport,
  type TransportOptions,
} from "./transport.js";

function nativeQos(q: QoS): NativeQos {
  return {
    reliable: q.reliability === "reliable",
    depth: q.depth,
    transientLocal: q.durability === "transient_local",
  };
}

/** ROS_DOMAIN_ID semantics: the option, else the environment variable, else 0. */
export function resolveDomainId(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = option ?? (env.ROS_DOMAIN_ID?.trim() ? Number(env.ROS_DOMAIN_ID) : 0);
  // Cyclone's default port mapping has room for domains 0..232 (ROS 2 documents 0..101 and 215..232).
  if (!Number.isInteger(raw) || raw < 0 || raw > 232) {
    const source = option === undefined ? `ROS_DOMAIN_ID='${env.ROS_DOMAIN_ID}'` : `domainId ${option}`;
    throw new Error(`${source} is not a valid DDS domain id (an integer from 0 to 232)`);
  }
  return raw;
}

/**
 * Raw CDR as the only accepted payload: the 4-byte encapsulation header must name plain CDR (XCDR1), big-
 * or little-endian, since that is what the topic's data representation says and what ROS 2 readers expect.
 */
function assertPlainCdr(topic: string, data: CdrBytes): void {
  if (data.byteLength < 4 || data[0] !== 0 || (data[1] !== 0 && data[1] !== 1)) {
    const head = Buffer.from(data.subarray(0, 4)).toString("hex");
    throw new Error(
      `publish on ${topic}: the data is not CDR with an XCDR1 encapsulation header (starts 0x${head})`,
    );
  }
}

function normalizeTopic(topic: string): string {
  assertTopicName(topic);
  return topic.startsWith("/") ? topic : `/${topic}`;
}

export interface DdsPublisher extends RawPublisher {
  /** DDS readers currently matched with this writer (after discovery and QoS matching). */
  matchedSubscribers(): number;
}

/** The Cyclone DDS backend: one DDS participant per transport, ROS 2 names and wire format. */
export class DdsTransport implements Transport {
  readonly kind = "dds" as const;
  private readonly closers = new Set<() => void>();
  private participant: number | undefined;

  constructor(
    private readonly dds: DdsAddon,
    participant: number,
  ) {
    this.participant = participant;
  }

  private handle(): number {
    if (this.participant === undefined) throw new Error("the dds transport is closed");
    return this.participant;
  }

  createPublisher(topic: string, type: string, qos: QoS = QOS_DEFAULT): DdsPublisher {
    const name = normalizeTopic(topic);
    const writer = new this.dds.Writer(this.handle(), ddsTopicName(name), ddsTypeName(type), nativeQos(qos));
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      writer.close();
      this.closers.delete(close);
    };
    this.closers.add(close);
    return {
      topic: name,
      type: fullTypeName(type),
      publish: (data) => {
        if (!open) throw new Error(`publisher on ${name} is closed`);
        assertPlainCdr(name, data);
        writer.write(data);
      },
      matchedSubscribers: () => (open ? writer.matched() : 0),
      close,
    };
  }

  subscribe(topic: string, type: string, qos: QoS = QOS_DEFAULT): Observable<CdrBytes> {
    const name = normalizeTopic(topic);
    const ddsType = ddsTypeName(type);
    return new Observable<CdrBytes>((subscriber) => {
      const reader = new this.dds.Reader(
        this.handle(),
        ddsTopicName(name),
        ddsType,
        nativeQos(qos),
        (samples) => {
          for (const sample of samples) subscriber.next(sample);
        },
      );
      // Closing the transport ends the stream; unsubscribing only removes the reader.
      const close = (): void => {
        reader.close();
        this.closers.delete(close);
        subscriber.complete();
      };
      this.closers.add(close);
      return () => {
        reader.close();
        this.closers.delete(close);
      };
    });
  }

  /** ROS topics seen through DDS discovery (this participant's and every peer's on the domain). */
  async topics(): Promise<TopicInfo[]> {
    const byTopic = new Map<string, Set<string>>();
    for (const endpoint of this.dds.endpoints(this.handle())) {
      const topic = rosTopicName(endpoint.topic);
      if (!topic) continue;
      let types = byTopic.get(topic);
      if (!types) byTopic.set(topic, (types = new Set()));
      types.add(rosTypeName(endpoint.type) ?? endpoint.type);
    }
    return [...byTopic.entries()]
      .map(([topic, types]) => ({ topic, types: [...types].sort() }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  /** How many writers and readers discovery currently knows on `topic` (this participant's included). */
  endpointsOn(topic: string): { publications: number; subscriptions: number } {
    const ddsTopic = ddsTopicName(normalizeTopic(topic));
    const counts = { publications: 0, subscriptions: 0 };
    for (const endpoint of this.dds.endpoints(this.handle())) {
      if (endpoint.topic !== ddsTopic) continue;
      if (endpoint.kind === "publication") counts.publications++;
      else counts.subscriptions++;
    }
    return counts;
  }

  async close(): Promise<void> {
    if (this.participant === undefined) return;
    for (const close of [...this.closers]) close();
    this.dds.deleteParticipant(this.participant);
    this.participant = undefined;
  }
}

/** A DDS participant on the domain of `options` (or ROS_DOMAIN_ID); throws how to install when unavailable. */
export function openDdsTransport(options: TransportOptions): DdsTransport {
  const dds = loadDdsAddon();
  const domainId = resolveDomainId(options.domainId);
  return new DdsTransport(dds, dds.createParticipant(domainId, options.nodeName));
}

export async function createDdsTransport(options: TransportOptions): Promise<Transport> {
  return openDdsTransport(options);
}
