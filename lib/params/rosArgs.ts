import { parse as parseYaml } from "yaml";

/** What follows `--ros-args` on a node's command line, in the order given. */
export interface RosArgs {
  /** `-p name:=value` overrides, values parsed as YAML scalars the way rcl does. */
  overrides: Record<string, unknown>;
  /** `--params-file file.yaml`, in order (later files win). */
  paramsFiles: string[];
  /** `-r __node:=name` renames the node; `-r __ns:=/ns` sets its namespace. */
  nodeName?: string;
  namespace?: string;
  /** `-r from:=to` topic remappings. */
  remappings: Record<string, string>;
  /** Arguments before `--ros-args` (and after a closing `--`), left for the program. */
  rest: string[];
}

function splitAssignment(flag: string, arg: string | undefined): [string, string] {
  const at = arg?.indexOf(":=") ?? -1;
  if (!arg || at <= 0) throw new Error(`${flag} expects name:=value, got '${arg ?? ""}'`);
  return [arg.slice(0, at), arg.slice(at + 2)];
}

/** Parse argv the way rcl does for `--ros-args … [--]`; repeated `--ros-args` blocks are allowed. */
export function parseRosArgs(argv: readonly string[]): RosArgs {
  const result: RosArgs = { overrides: {}, paramsFiles: [], remappings: {}, rest: [] };
  let inRos = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--ros-args") {
      inRos = true;
      continue;
    }
    if (!inRos) {
      result.rest.push(arg);
      continue;
    }
    switch (arg) {
      case "--":
        inRos = false;
        break;
      case "-p":
      case "--param": {
        const [name, value] = splitAssignment(arg, argv[++i]);
        result.overrides[name] = value === "" ? "" : parseYaml(value);
        break;
      }
      case "--params-file": {
        const file = argv[++i];
        if (!file) throw new Error("--params-file expects a file path");
        result.paramsFiles.push(file);
        break;
      }
      case "-r":
      case "--remap": {
        const [from, to] = splitAssignment(arg, argv[++i]);
        if (from === "__node" || from === "__name") result.nodeName = to;
        else if (from === "__ns") result.namespace = to;
        else result.remappings[from] = to;
        break;
      }
      case "--log-level":
      case "-e":
      case "--enclave":
        i++; // accepted for compatibility with ros2 launch; not used by these nodes
        break;
      default:
        if (arg.startsWith("--")) break; // other rcl flags (--disable-rosout-logs, …) carry no parameters
        throw new Error(`unexpected argument '${arg}' inside --ros-args`);
    }
  }
  return result;
}
