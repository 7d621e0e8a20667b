import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { NodeDefinition } from "../lib/node/node.js";
import { parametersFromYaml } from "../lib/params/paramsFile.js";
import { commonParameters } from "../lib/params/resolve.js";
import { packagePath } from "../lib/paths.js";

/** A value as scripts/launch_nodes.py evaluates it from a launch file's syntax tree. */
export type LaunchValue =
  | string
  | number
  | boolean
  | null
  | LaunchValue[]
  | { values: Record<string, LaunchValue> }
  | { argument: string; default: LaunchValue }
  | { package_share: string; path?: string }
  | { unresolved: string };

export interface LaunchNode {
  line: number;
  package: LaunchValue;
  executable: LaunchValue;
  name: LaunchValue;
  parameters: LaunchValue;
  condition: string | null;
}

export interface LaunchDump {
  error?: string;
  arguments: Record<string, LaunchValue>;
  nodes: LaunchNode[];
  processes: { line: number; cmd: string | null }[];
  has_generate_launch_description: boolean;
  unresolved: string[];
}

const PYTHON = "/usr/bin/python3";

/** Reads launch files with Python's own parser (launch_ros itself is not needed, nor run). */
export function dumpLaunchFiles(files: readonly string[]): Record<string, LaunchDump> {
  const result = spawnSync(PYTHON, [packagePath("scripts", "launch_nodes.py"), ...files], {
    encoding: "utf8",
  });
  if (result.error) throw new Error(`cannot run ${PYTHON}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`launch_nodes.py failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, LaunchDump>;
}

/** The node executables ros/CMakeLists.txt generates and installs (its PROCESS_REWARD_NODES list). */
export function cmakeNodeExecutables(cmakeText: string): string[] {
  const match = /set\(\s*PROCESS_REWARD_NODES\s+([^)]*)\)/.exec(cmakeText);
  if (!match) throw new Error("ros/CMakeLists.txt has no set(PROCESS_REWARD_NODES …)");
  return match[1]!.split(/\s+/).filter(Boolean);
}

export interface LaunchContext {
  /** The ROS package the launch files belong to. */
  readonly packageName: string;
  /** Where `share/<package>/<sub>` comes from in the checkout, per installed sub-folder. */
  readonly shareFolders: Readonly<Record<string, string>>;
  readonly executables: readonly string[];
  readonly registry: readonly NodeDefinition[];
}

export interface LaunchCheck {
  readonly problems: string[];
  /** Executables the launch file starts that nodes/registry.ts does not have (yet). */
  readonly unregistered: string[];
  /** Parameters each started node would get, by node name (for further checks by the caller). */
  readonly parameters: Map<string, Record<string, unknown>>;
}

function isObject(
  v: LaunchValue,
): v is Exclude<LaunchValue, string | number | boolean | null | LaunchValue[]> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A launch value with launch arguments replaced by their defaults. */
function resolved(value: LaunchValue): LaunchValue {
  return isObject(value) && "argument" in value ? resolved(value.default) : value;
}

function describe(value: LaunchValue): string {
  return JSON.stringify(value);
}

/**
 * A package path's `$(var name)` parts filled in from `values` (as `ros2 launch … name:=value` would) or the
 * argument's default; undefined names one that has neither.
 */
function substitute(
  path: string,
  dump: LaunchDump,
  values: Readonly<Record<string, string>>,
): { path: string; missing?: string } {
  let missing: string | undefined;
  const filled = path.replace(/\$\(var (\w+)\)/g, (_, name: string) => {
    const value = values[name] ?? resolved(dump.arguments[name] ?? null);
    if (typeof value === "string") return value;
    missing = name;
    return "";
  });
  return { path: filled, missing };
}

/**
 * Checks one launch file statically: every Node names an executable this package installs and a node in
 * the registry, every parameters file exists, and every parameter a node would receive (from the files
 * and inline dicts, as rcl merges them) is one its schema knows and accepts. `argumentValues` are launch
 * arguments given on the command line; the others take their defaults.
 */
export function checkLaunchFile(
  file: string,
  dump: LaunchDump,
  context: LaunchContext,
  argumentValues: Readonly<Record<string, string>> = {},
): LaunchCheck {
  const problems: string[] = [];
  const unregistered: string[] = [];
  const parameters = new Map<string, Record<string, unknown>>();
  if (dump.error) return { problems: [`${file}: ${dump.error}`], unregistered, parameters };
  if (!dump.has_generate_launch_description) problems.push(`${file}: no generate_launch_description()`);
  for (const text of dump.unresolved) problems.push(`${file}: cannot evaluate statically: ${text}`);
  if (dump.nodes.length === 0) problems.push(`${file}: starts no Node`);
  for (const node of dump.nodes) {
    const where = `${file}:${node.line}`;
    const executable = resolved(node.executable);
    const pkg = resolved(node.package);
    if (pkg !== context.packageName) {
      problems.push(`${where}: package ${describe(pkg)} is not ${context.packageName}`);
      continue;
    }
    if (typeof executable !== "string") {
      problems.push(`${where}: executable ${describe(executable)} is not a plain name`);
      continue;
    }
    if (!context.executables.includes(executable))
      problems.push(`${where}: executable '${executable}' is not installed by ros/CMakeLists.txt`);
    const name = resolved(node.name) ?? executable;
    if (typeof name !== "string") {
      problems.push(`${where}: node name ${describe(name)} is not a plain name`);
      continue;
    }
    const params: Record<string, unknown> = {};
    const entries = resolved(node.parameters);
    for (const raw of Array.isArray(entries) ? entries : [entries]) {
      const entry = resolved(raw);
      if (isObject(entry) && "values" in entry) {
        Object.assign(params, entry.values);
      } else if (isObject(entry) && "package_share" in entry) {
        const { path: packaged, missing } = substitute(entry.path ?? "", dump, argumentValues);
        if (missing) {
          problems.push(`${where}: parameters file ${entry.path} needs launch argument '${missing}'`);
          continue;
        }
        const [folder, ...rest] = packaged.split("/");
        const source =
          entry.package_share === context.packageName ? context.shareFolders[folder ?? ""] : undefined;
        if (!source || rest.length === 0) {
          problems.push(`${where}: parameters file ${describe(entry)} is not one this package installs`);
          continue;
        }
        const path = join(source, ...rest);
        if (!existsSync(path)) {
          problems.push(`${where}: parameters file ${packaged} does not exist (${path})`);
          continue;
        }
        try {
          Object.assign(params, parametersFromYaml(readFileSync(path, "utf8"), path, name));
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message}`);
        }
      } else {
        problems.push(`${where}: parameters entry ${describe(entry)} is neither a package file nor a dict`);
      }
    }
    parameters.set(name, params);
    const definition = context.registry.find((d) => d.name === executable);
    if (!definition) {
      unregistered.push(executable);
      continue;
    }
    const schema = z.object({ ...commonParameters.shape, ...definition.parameters.shape }).strict();
    const result = schema.safeParse(params);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const detail =
          issue.code === "unrecognized_keys"
            ? `unknown parameter(s) ${issue.keys.join(", ")}`
            : `${issue.path.join(".")}: ${issue.message}`;
        problems.push(`${where}: node '${name}' (${executable}): ${detail}`);
      }
    }
  }
  return { problems, unregistered, parameters };
}
