import { stringify } from "@foxglove/rosmsg";
import { codecFor } from "../codec/codec.js";
import { OUR_PACKAGE, ourMsgText } from "../codec/registry.js";
import { shortTypeName } from "../codec/typeName.js";

const SEPARATOR = "=".repeat(80);

// The parsed standard definitions turn builtin_interfaces/Time into the ROS 1 primitive `time`; ROS 2
// tools expect the message type back, with its own MSG section.
const BUILTINS: Record<string, { type: string; text: string }> = {
  time: { type: "builtin_interfaces/Time", text: "int32 sec\nuint32 nanosec\n" },
  duration: { type: "builtin_interfaces/Duration", text: "int32 sec\nuint32 nanosec\n" },
};

/**
 * The `ros2msg` schema text rosbag2 stores for a type: the type's own definition, then each type it
 * uses under a `MSG: pkg/Type` header, separated by lines of `=`. Our own types keep their `.msg` text
 * (comments included); standard types are written from their parsed definitions.
 */
export function ros2msgSchema(type: string): string {
  const [root, ...nested] = codecFor(type).definitions;
  const builtinsUsed = new Set<string>();
  const text = (name: string, def: NonNullable<typeof root>): string => {
    if (name.startsWith(`${OUR_PACKAGE}/`)) {
      for (const f of def.definitions) if (!f.isComplex && BUILTINS[f.type]) builtinsUsed.add(f.type);
      return ourMsgText(name).trimEnd() + "\n";
    }
    return stringify([def])
      .split("\n")
      .map((line) =>
        line.replace(
          /^(time|duration)(\[\d*\])?(\s)/,
          (_m, t: string, arr: string | undefined, sp: string) => {
            builtinsUsed.add(t);
            return `${BUILTINS[t]!.type}${arr ?? ""}${sp}`;
          },
        ),
      )
      .join("\n")
      .trimEnd()
      .concat("\n");
  };
  const sections = [text(shortTypeName(type), root!)];
  for (const def of nested) {
    const name = shortTypeName(def.name!);
    sections.push(`${SEPARATOR}\nMSG: ${name}\n${text(name, def)}`);
  }
  for (const t of [...builtinsUsed].sort())
    sections.push(`${SEPARATOR}\nMSG: ${BUILTINS[t]!.type}\n${BUILTINS[t]!.text}`);
  return sections.join("");
}
