import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** ROS 2 flattens nested parameter maps into dotted names (`a: {b: 1}` → `a.b`). */
function flatten(prefix: string, value: Dict, out: Dict): void {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isDict(v)) flatten(name, v, out);
    else out[name] = v;
  }
}

/** Node names a section may use for this node: `name`, `/name`, `/ns/name`, and the `/**` wildcard. */
function sectionMatches(section: string, nodeName: string, namespace: string): boolean {
  if (section === "/**" || section === "**") return true;
  const ns = namespace === "/" ? "" : namespace.replace(/\/$/, "");
  const candidates = [nodeName, `/${nodeName}`, `${ns}/${nodeName}`, `/**/${nodeName}`];
  if (candidates.includes(section)) return true;
  // `/ns/**` applies to every node under the namespace.
  return section.endsWith("/**") && `${ns}/`.startsWith(section.slice(0, -2));
}

/**
 * The parameters a ROS 2 params YAML gives one node: wildcard sections first, then sections naming the node,
 * so a specific value overrides a wildcard one (as rcl does).
 */
export function parametersFromYaml(text: string, source: string, nodeName: string, namespace = "/"): Dict {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${source}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (!isDict(doc)) throw new Error(`${source}: expected a map of node names at the top level`);
  const sections = Object.keys(doc).filter((s) => sectionMatches(s, nodeName, namespace));
  sections.sort((a, b) => Number(b.includes("*")) - Number(a.includes("*")));
  const out: Dict = {};
  for (const section of sections) {
    const body = doc[section];
    if (!isDict(body) || !isDict(body.ros__parameters)) {
      throw new Error(`${source}: section '${section}' has no 'ros__parameters' map`);
    }
    flatten("", body.ros__parameters, out);
  }
  return out;
}

export function parametersFromFile(file: string, nodeName: string, namespace = "/"): Dict {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read parameters file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parametersFromYaml(text, file, nodeName, namespace);
}
