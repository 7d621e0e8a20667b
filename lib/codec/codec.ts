import type { MessageDefinition } from "@foxglove/message-definition";
import { parse } from "@foxglove/rosmsg";
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import { DefinitionRegistry, definitions } from "./registry.js";
import { shortTypeName } from "./typeName.js";

/** A decode failure that names the message type and what was wrong, so a node can log it and go on. */
export class CdrDecodeError extends Error {
  constructor(
    readonly type: string,
    detail: string,
  ) {
    super(`malformed CDR for ${type}: ${detail}`);
    this.name = "CdrDecodeError";
  }
}

/** CDR (XCDR1, encapsulation header included) reader and writer for one message type. */
export interface MessageCodec<T> {
  readonly type: string;
  readonly definitions: readonly MessageDefinition[];
  /** Decode without copying byte arrays: `uint8[]` fields (image data) are views into `data`. */
  decode(data: Uint8Array): T;
  encode(message: T): Uint8Array;
}

class CdrCodec<T> implements MessageCodec<T> {
  private readonly reader: MessageReader<T>;
  private readonly writer: MessageWriter;

  constructor(
    readonly type: string,
    readonly definitions: readonly MessageDefinition[],
  ) {
    this.reader = new MessageReader<T>(definitions as MessageDefinition[]);
    this.writer = new MessageWriter(definitions as MessageDefinition[]);
  }

  decode(data: Uint8Array): T {
    let message: T;
    try {
      message = this.reader.readMessage(data);
    } catch (err) {
      throw new CdrDecodeError(this.type, `${(err as Error).message} (${data.byteLength} bytes)`);
    }
    // The reader makes zero-copy `uint8[]` views on the underlying ArrayBuffer, which for a pooled Node
    // Buffer extends past the message: a corrupt length could otherwise read a neighbour's bytes.
    const used = this.reader.lastReadByteLength();
    if (used > data.byteLength) {
      throw new CdrDecodeError(this.type, `fields need ${used} bytes but the message has ${data.byteLength}`);
    }
    return message;
  }

  encode(message: T): Uint8Array {
    return this.writer.writeMessage(message);
  }
}

const cache = new Map<string, MessageCodec<unknown>>();

/** The codec for a registered type (standard ROS 2 or ours), built once. */
export function codecFor<T>(type: string, registry: DefinitionRegistry = definitions()): MessageCodec<T> {
  const key = shortTypeName(type);
  const useCache = registry === definitions();
  const hit = useCache ? cache.get(key) : undefined;
  if (hit) return hit as MessageCodec<T>;
  const codec = new CdrCodec<T>(key, registry.closure(type));
  if (useCache) cache.set(key, codec as MessageCodec<unknown>);
  return codec;
}

/**
 * A codec from a recorded definition (a bag's `ros2msg` schema: the root type's text followed by
 * `===`-separated `MSG: pkg/T` sections). Unknown nested types fall back to the built-in definitions.
 */
export function codecFromDefinitionText<T>(type: string, text: string): MessageCodec<T> {
  const parsed = parse(text, { ros2: true, skipTypeFixup: true });
  const [root, ...nested] = parsed;
  if (!root) throw new Error(`the recorded definition of ${type} is empty`);
  const registry = new DefinitionRegistry();
  const known = definitions();
  // Inside a .msg, a type named without a package is one of the same package (`BasicTypes[3] x` in
  // test_msgs/Arrays is test_msgs/BasicTypes), and the recorded `MSG:` sections name it in full.
  const packageOf = (name: string | undefined): string => (name ?? type).split("/")[0]!;
  const qualified = (fieldType: string, owner: MessageDefinition): string =>
    fieldType.includes("/") ? shortTypeName(fieldType) : `${packageOf(owner.name)}/${fieldType}`;
  const resolve = (defs: readonly MessageDefinition[]): void => {
    for (const def of defs) {
      for (const field of def.definitions) {
        if (!field.isComplex || field.isConstant || registry.has(field.type)) continue;
        const full = qualified(field.type, def);
        const inText = nested.find((n) => n.name && shortTypeName(n.name) === full);
        const found = inText ?? (known.has(full) ? known.get(full) : undefined);
        if (!found)
          throw new Error(`the definition of ${type} uses '${field.type}', which it does not define`);
        registry.add({ ...found, name: shortTypeName(field.type) });
        resolve([found]);
      }
    }
  };
  registry.add({ ...root, name: shortTypeName(type) });
  resolve([root]);
  return new CdrCodec<T>(shortTypeName(type), registry.closure(type));
}
