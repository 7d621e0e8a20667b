import { EMPTY, mergeMap, of, type Observable } from "rxjs";
import { codecFor } from "../codec/codec.js";
import type { KnownType, MessageTypes } from "../codec/messages.js";
import type { QoS } from "./qos.js";
import type { Transport } from "./transport.js";

/** The TypeScript shape for a known ROS type name, `unknown` for any other. */
export type MessageOf<K extends string> = K extends KnownType ? MessageTypes[K] : unknown;

export interface Publisher<T> {
  readonly topic: string;
  readonly type: string;
  publish(message: T): void;
  close(): void;
}

export function createPublisher<K extends string, T = MessageOf<K>>(
  transport: Transport,
  topic: string,
  type: K,
  qos?: QoS,
): Publisher<T> {
  const codec = codecFor<T>(type);
  const raw = transport.createPublisher(topic, type, qos);
  return {
    topic: raw.topic,
    type: raw.type,
    publish: (message) => raw.publish(codec.encode(message)),
    close: () => raw.close(),
  };
}

export interface SubscribeOptions {
  qos?: QoS;
  /**
   * Called with a clear error for each message that cannot be decoded; the subscription goes on with the
   * next message. Without it such errors are written to stderr.
   */
  onDecodeError?: (error: Error) => void;
}

/** Decoded messages of one topic. A malformed message is reported and skipped, never ends the stream. */
export function subscribe<K extends string, T = MessageOf<K>>(
  transport: Transport,
  topic: string,
  type: K,
  options: SubscribeOptions = {},
): Observable<T> {
  const codec = codecFor<T>(type);
  const report =
    options.onDecodeError ?? ((error: Error) => process.stderr.write(`[WARN] ${topic}: ${error.message}\n`));
  return transport.subscribe(topic, type, options.qos).pipe(
    mergeMap((data) => {
      try {
        return of(codec.decode(data));
      } catch (err) {
        report(new Error(`dropped a message on ${topic}: ${(err as Error).message}`));
        return EMPTY;
      }
    }),
  );
}
