import { Observable } from "rxjs";
import type * as Rcl from "rclnodejs";
import { fullTypeName } from "../codec/typeName.js";
import { QOS_DEFAULT, type QoS } from "./qos.js";
import type { CdrBytes, RawPublisher, TopicInfo, Transport, TransportOptions } from "./transport.js";

type RclModule = typeof Rcl;

const HOW_TO_ENABLE =
  "the ros transport needs ROS 2 and rclnodejs: source your ROS 2 setup (e.g. `source /opt/ros/jazzy/setup.bash`), " +
  "build the interfaces with `colcon build --packages-select process_reward_msgs` and source " +
  "`install/setup.bash`, then `npm install rclnodejs` (allow its install script: `npm install-scripts approve rclnodejs`). " +
  "Without ROS 2 use transport:=dds or transport:=local";

async function loadRclnodejs(): Promise<RclModule> {
  if (!process.env.AMENT_PREFIX_PATH)
    throw new Error(`ROS 2 is not sourced (AMENT_PREFIX_PATH is unset): ${HOW_TO_ENABLE}`);
  try {
    const mod = (await import("rclnodejs")) as RclModule & { default?: RclModule };
    return mod.default ?? mod;
  } catch (err) {
    throw new Error(`cannot load rclnodejs (${(err as Error).message}): ${HOW_TO_ENABLE}`, { cause: err });
  }
}

function toRclQos(rcl: RclModule, q: QoS): Rcl.QoS {
  return new rcl.QoS(
    rcl.QoS.HistoryPolicy.RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    q.depth,
    q.reliability === "reliable"
      ? rcl.QoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_RELIABLE
      : rcl.QoS.ReliabilityPolicy.RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
    q.durability === "transient_local"
      ? rcl.QoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL
      : rcl.QoS.DurabilityPolicy.RMW_QOS_POLICY_DURABILITY_VOLATILE,
  );
}

/**
 * rclnodejs with raw (serialized) publications and subscriptions: our CDR codecs do the (de)serialization,
 * which avoids rclnodejs's slow per-field conversion of large images (rclnodejs issues #916, #960).
 */
class RosTransport implements Transport {
  readonly kind = "ros" as const;

  constructor(
    private readonly rcl: RclModule,
    private readonly node: Rcl.Node,
  ) {}

  createPublisher(topic: string, type: string, qos: QoS = QOS_DEFAULT): RawPublisher {
    const typeName = fullTypeName(type);
    const publisher = this.node.createPublisher(typeName as Rcl.TypeClass, topic, {
      qos: toRclQos(this.rcl, qos),
    });
    return {
      topic: publisher.topic,
      type: typeName,
      publish: (data) => publisher.publish(Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
      close: () => this.node.destroyPublisher(publisher),
    };
  }

  subscribe(topic: string, type: string, qos: QoS = QOS_DEFAULT): Observable<CdrBytes> {
    const typeName = fullTypeName(type);
    return new Observable<CdrBytes>((subscriber) => {
      const subscription = this.node.createSubscription(
        typeName as Rcl.TypeClass,
        topic,
        { qos: toRclQos(this.rcl, qos), isRaw: true },
        (raw: Buffer) => subscriber.next(raw),
      );
      return () => this.node.destroySubscription(subscription);
    });
  }

  async topics(): Promise<TopicInfo[]> {
    return this.node.getTopicNamesAndTypes().map((t) => ({ topic: t.name, types: t.types }));
  }

  async close(): Promise<void> {
    this.node.destroy();
  }
}

// rcl is initialised once per process; several nodes then share its context.
let initialized: Promise<void> | undefined;

export async function createRosTransport(options: TransportOptions): Promise<Transport> {
  const rcl = await loadRclnodejs();
  initialized ??= rcl.init();
  await initialized;
  const node = new rcl.Node(options.nodeName);
  node.spin();
  return new RosTransport(rcl, node);
}
