/**
 * ROS 2 names a message type `pkg/msg/T`; ROS 1 style and some bag writers use `pkg/T`. Definitions are
 * keyed by the short form, and both forms are accepted everywhere.
 */
export function shortTypeName(type: string): string {
  const parts = type.split("/");
  if (parts.length === 3 && parts[1] === "msg") return `${parts[0]}/${parts[2]}`;
  return type;
}

/** The `pkg/msg/T` form that ROS 2 tools (and rosbag2 metadata) use. */
export function fullTypeName(type: string): string {
  const parts = shortTypeName(type).split("/");
  if (parts.length !== 2) throw new Error(`'${type}' is not a ROS message type name (expected pkg/msg/Type)`);
  return `${parts[0]}/msg/${parts[1]}`;
}
