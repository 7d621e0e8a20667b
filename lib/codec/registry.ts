import { readdirSync, readFileSync } from "node:fs";
import type { MessageDefinition } from "@foxglove/message-definition";
import { parse } from "@foxglove/rosmsg";
import { ros2humble, ros2jazzy } from "@foxglove/rosmsg-msgs-common";
import { packagePath } from "../paths.js";
import { shortTypeName } from "./typeName.js";

/** The package of our own interfaces; the `.msg` files in `msgs/msg` are the single source of truth. */
export const OUR_PACKAGE = "process_reward_msgs";
const OUR_MSG_DIR = packagePath("msgs", "msg") + "/";

/**
 * Message definitions by short type name (`pkg/T`): the standard ROS 2 interfaces (Jazzy, with Humble for
 * anything Jazzy dropped) plus the project's own `.msg` files.
 */
export class DefinitionRegistry {
  private readonly byName = new Map<string, MessageDefinition>();

  add(definition: MessageDefinition): void {
    if (!definition.name) throw new Error("a message definition needs a name");
    this.byName.set(shortTypeName(definition.name), definition);
  }

  /** Parse `.msg` text of type `type` (nested types it names must already be known or be in the text). */
  addMsgText(type: string, text: string): void {
    const parsed = parse(text, { ros2: true, skipTypeFixup: true });
    const [root, ...nested] = parsed;
    if (!root) throw new Error(`the definition of ${type} is empty`);
    this.add({ ...root, name: shortTypeName(type) });
    for (const def of nested) if (def.name) this.add(def);
  }

  has(type: string): boolean {
    return this.byName.has(shortTypeName(type));
  }

  get(type: string): MessageDefinition {
    const def = this.byName.get(shortTypeName(type));
    if (!def) throw new Error(`unknown message type '${type}': no definition is registered for it`);
    return def;
  }

  /** The root definition first, then every type it depends on: the list the CDR reader/writer take. */
  closure(type: string): MessageDefinition[] {
    const root = this.get(type);
    const seen = new Map<string, MessageDefinition>([[shortTypeName(type), root]]);
    const pending = [root];
    while (pending.length > 0) {
      const def = pending.pop()!;
      for (const field of def.definitions) {
        if (!field.isComplex || field.isConstant) continue;
        const name = shortTypeName(field.type);
        if (seen.has(name)) continue;
        const nested = this.byName.get(name);
        if (!nested) throw new Error(`message type '${type}' uses '${field.type}', which has no definition`);
        seen.set(name, nested);
        pending.push(nested);
      }
    }
    return [...seen.values()].map((d, i) => (i === 0 ? { ...d, name: shortTypeName(type) } : d));
  }
}

function loadStandardDefinitions(registry: DefinitionRegistry): void {
  for (const def of Object.values(ros2humble)) registry.add(def);
  for (const def of Object.values(ros2jazzy)) registry.add(def);
}

function loadOurDefinitions(registry: DefinitionRegistry): void {
  for (const file of readdirSync(OUR_MSG_DIR)
    .filter((f) => f.endsWith(".msg"))
    .sort()) {
    const type = `${OUR_PACKAGE}/${file.slice(0, -".msg".length)}`;
    registry.addMsgText(type, readFileSync(OUR_MSG_DIR + file, "utf8"));
  }
}

let defaultRegistry: DefinitionRegistry | undefined;

/** Standard ROS 2 types plus ours, loaded once. */
export function definitions(): DefinitionRegistry {
  if (!defaultRegistry) {
    defaultRegistry = new DefinitionRegistry();
    loadStandardDefinitions(defaultRegistry);
    loadOurDefinitions(defaultRegistry);
  }
  return defaultRegistry;
}

/** Our `.msg` text for a type (for MCAP schemas and `ros2 bag` metadata). */
export function ourMsgText(type: string): string {
  const name = shortTypeName(type).split("/")[1];
  return readFileSync(`${OUR_MSG_DIR}${name}.msg`, "utf8");
}
