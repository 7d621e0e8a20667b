import { Observable, Subject } from "rxjs";
import { fullTypeName } from "../codec/typeName.js";
import { incompatibility, QOS_DEFAULT, type QoS } from "./qos.js";
import {
  assertTopicName,
  type CdrBytes,
  type RawPublisher,
  type TopicInfo,
  type Transport,
} from "./transport.js";

interface Writer {
  readonly qos: QoS;
  /** Last `depth` samples, kept only for transient-local writers (late joiners get them). */
  readonly history: CdrBytes[];
}

class Reader {
  private queue: CdrBytes[] = [];
  private scheduled = false;
  dropped = 0;

  constructor(
    readonly qos: QoS,
    private readonly deliver: (data: CdrBytes) => void,
  ) {}

  // Delivery is deferred to the next turn of the event loop, like a DDS listener thread handing over to
  // the executor: a burst larger than the reader's depth loses its oldest samples, as keep-last does.
  enqueue(data: CdrBytes): void {
    this.queue.push(data);
    if (this.queue.length > this.qos.depth) {
      this.queue.shift();
      this.dropped++;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const data of batch) this.deliver(data);
  }

  close(): void {
    this.queue = [];
  }
}

interface TopicState {
  type: string;
  writers: Set<Writer>;
  readers: Set<Reader>;
}

export interface TopicStats {
  topic: string;
  type: string;
  publishers: number;
  subscribers: number;
  /** Samples that readers lost to keep-last overflow, over the bus's lifetime. */
  dropped: number;
}

/**
 * The in-process graph: every node of the process that uses the `local` transport shares one bus.
 * Messages still travel as CDR bytes, so what works here works on the wire.
 */
export class LocalBus {
  private readonly graph = new Map<string, TopicState>();
  private readonly droppedByTopic = new Map<string, number>();
  private readonly warningSubject = new Subject<string>();
  /** QoS mismatches and similar problems that a ROS 2 middleware would log rather than throw. */
  readonly warnings$ = this.warningSubject.asObservable();

  private topic(topic: string, type: string): TopicState {
    assertTopicName(topic);
    const name = topic.startsWith("/") ? topic : `/${topic}`;
    const full = fullTypeName(type);
    let state = this.graph.get(name);
    if (!state) {
      state = { type: full, writers: new Set(), readers: new Set() };
      this.graph.set(name, state);
    } else if (state.type !== full) {
      if (state.writers.size === 0 && state.readers.size === 0) state.type = full;
      else throw new Error(`topic ${name} already carries ${state.type}; cannot use it for ${full}`);
    }
    return state;
  }

  addWriter(topic: string, type: string, qos: QoS): { writer: Writer; state: TopicState } {
    const state = this.topic(topic, type);
    const writer: Writer = { qos, history: [] };
    state.writers.add(writer);
    for (const reader of state.readers) this.warnIfIncompatible(topic, writer.qos, reader.qos);
    return { writer, state };
  }

  publish(topic: string, state: TopicState, writer: Writer, data: CdrBytes): void {
    if (writer.qos.durability === "transient_local") {
      writer.history.push(data);
      if (writer.history.length > writer.qos.depth) writer.history.shift();
    }
    for (const reader of state.readers) {
      if (incompatibility(writer.qos, reader.qos)) continue;
      const before = reader.dropped;
      reader.enqueue(data);
      if (reader.dropped !== before)
        this.droppedByTopic.set(topic, (this.droppedByTopic.get(topic) ?? 0) + 1);
    }
  }

  addReader(topic: string, type: string, qos: QoS, deliver: (data: CdrBytes) => void): () => void {
    const state = this.topic(topic, type);
    const reader = new Reader(qos, deliver);
    state.readers.add(reader);
    for (const writer of state.writers) {
      if (this.warnIfIncompatible(topic, writer.qos, qos)) continue;
      if (qos.durability === "transient_local") for (const data of writer.history) reader.enqueue(data);
    }
    return () => {
      reader.close();
      state.readers.delete(reader);
    };
  }

  removeWriter(topic: string, writer: Writer): void {
    this.graph.get(topic.startsWith("/") ? topic : `/${topic}`)?.writers.delete(writer);
  }

  private warnIfIncompatible(topic: string, writer: QoS, reader: QoS): boolean {
    const why = incompatibility(writer, reader);
    if (why) this.warningSubject.next(`incompatible QoS on ${topic}: ${why}; no messages will flow`);
    return why !== undefined;
  }

  topics(): TopicInfo[] {
    return [...this.graph.entries()]
      .filter(([, s]) => s.writers.size + s.readers.size > 0)
      .map(([topic, s]) => ({ topic, types: [s.type] }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  stats(): TopicStats[] {
    return [...this.graph.entries()].map(([topic, s]) => ({
      topic,
      type: s.type,
      publishers: s.writers.size,
      subscribers: s.readers.size,
      dropped: this.droppedByTopic.get(topic) ?? 0,
    }));
  }
}

let processBus: LocalBus | undefined;

/** The bus shared by every local-transport node in this process. */
export function processLocalBus(): LocalBus {
  processBus ??= new LocalBus();
  return processBus;
}

/** One node's handle on a local bus; closing it removes only this node's publishers and subscriptions. */
export class LocalTransport implements Transport {
  readonly kind = "local" as const;
  private readonly closers = new Set<() => void>();

  constructor(readonly bus: LocalBus = processLocalBus()) {}

  createPublisher(topic: string, type: string, qos: QoS = QOS_DEFAULT): RawPublisher {
    const name = topic.startsWith("/") ? topic : `/${topic}`;
    const { writer, state } = this.bus.addWriter(name, type, qos);
    let open = true;
    const close = (): void => {
      open = false;
      this.bus.removeWriter(name, writer);
      this.closers.delete(close);
    };
    this.closers.add(close);
    return {
      topic: name,
      type: fullTypeName(type),
      publish: (data) => {
        if (!open) throw new Error(`publisher on ${name} is closed`);
        this.bus.publish(name, state, writer, data);
      },
      close,
    };
  }

  subscribe(topic: string, type: string, qos: QoS = QOS_DEFAULT): Observable<CdrBytes> {
    const name = topic.startsWith("/") ? topic : `/${topic}`;
    return new Observable<CdrBytes>((subscriber) => {
      const remove = this.bus.addReader(name, type, qos, (data) => subscriber.next(data));
      const close = (): void => {
        remove();
        this.closers.delete(close);
        subscriber.complete();
      };
      this.closers.add(close);
      return () => {
        remove();
        this.closers.delete(close);
      };
    });
  }

  async topics(): Promise<TopicInfo[]> {
    return this.bus.topics();
  }

  async close(): Promise<void> {
    for (const close of [...this.closers]) close();
  }
}
