import type { Observable } from "rxjs";
import type { QoS } from "./qos.js";

export type TransportKind = "local" | "dds" | "ros";
export const TRANSPORT_KINDS: readonly TransportKind[] = ["local", "dds", "ros"];

/** One serialized message as it travels: CDR bytes with their 4-byte encapsulation header. */
export type CdrBytes = Uint8Array;

export interface RawPublisher {
  readonly topic: string;
  readonly type: string;
  publish(data: CdrBytes): void;
  close(): void;
}

export interface TopicInfo {
  topic: string;
  types: string[];
}

/**
 * Publish/subscribe of raw CDR by (topic, type, QoS). Topics are ROS names (`/camera/front/image_raw`),
 * types ROS type names (`sensor_msgs/msg/Image`). Everything above this interface (codecs, nodes) is
 * transport-agnostic; a backend only moves bytes.
 */
export interface Transport {
  readonly kind: TransportKind;
  createPublisher(topic: string, type: string, qos?: QoS): RawPublisher;
  /** Cold: the subscription exists while the Observable is subscribed. */
  subscribe(topic: string, type: string, qos?: QoS): Observable<CdrBytes>;
  /** Topics currently known (published or subscribed) on this transport's graph. */
  topics(): Promise<TopicInfo[]>;
  close(): Promise<void>;
}

export function assertTopicName(topic: string): void {
  if (!/^\/?[A-Za-z~][A-Za-z0-9_/~{}]*$/.test(topic) || topic.includes("//") || topic.endsWith("/")) {
    throw new Error(`'${topic}' is not a valid ROS topic name`);
  }
}

export interface TransportOptions {
  /** The node name the middleware shows (ROS 2 node / DDS participant). */
  nodeName: string;
  /** ROS_DOMAIN_ID; defaults to the environment's, else 0. */
  domainId?: number;
}
