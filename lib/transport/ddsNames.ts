import { fullTypeName } from "../codec/typeName.js";

/**
 * ROS 2 name mangling on DDS, as every rmw implementation does it: a ROS topic `/x` is the DDS topic
 * `rt/x`, and a message type `pkg/msg/T` is the DDS type `pkg::msg::dds_::T_`.
 */

const TOPIC_PREFIX = "rt";

export function ddsTopicName(rosTopic: string): string {
  return `${TOPIC_PREFIX}${rosTopic.startsWith("/") ? rosTopic : `/${rosTopic}`}`;
}

/** The ROS topic of a DDS topic, or undefined for DDS topics that are not ROS topics (services, discovery). */
export function rosTopicName(ddsTopic: string): string | undefined {
  return ddsTopic.startsWith(`${TOPIC_PREFIX}/`) ? ddsTopic.slice(TOPIC_PREFIX.length) : undefined;
}

export function ddsTypeName(rosType: string): string {
  const [pkg, kind, name] = fullTypeName(rosType).split("/");
  return `${pkg}::${kind}::dds_::${name}_`;
}

/** The ROS type of a DDS type name, or undefined when it does not follow the ROS 2 convention. */
export function rosTypeName(ddsType: string): string | undefined {
  const m = /^([A-Za-z][\w]*)::([A-Za-z]\w*)::dds_::(\w+)_$/.exec(ddsType);
  return m ? `${m[1]}/${m[2]}/${m[3]}` : undefined;
}
