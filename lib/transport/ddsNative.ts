import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { packagePath } from "../paths.js";

/** The DDS QoS subset the addon sets (see native/dds/src/addon.cc). */
export interface NativeQos {
  reliable: boolean;
  depth: number;
  transientLocal: boolean;
}

export interface NativeWriter {
  write(data: Uint8Array): void;
  /** Readers currently matched. */
  matched(): number;
  close(): void;
}

export interface NativeReader {
  close(): void;
}

export interface NativeEndpoint {
  topic: string;
  type: string;
  kind: "publication" | "subscription";
}

/** The native addon built from native/dds (Cyclone DDS with a raw-CDR sertype). */
export interface DdsAddon {
  readonly version: string;
  createParticipant(domainId: number, name: string): number;
  deleteParticipant(participant: number): void;
  endpoints(participant: number): NativeEndpoint[];
  Writer: new (participant: number, topic: string, type: string, qos: NativeQos) => NativeWriter;
  /** `onSamples` runs on the JS thread with the samples taken in one go, oldest first. */
  Reader: new (
    participant: number,
    topic: string,
    type: string,
    qos: NativeQos,
    onSamples: (samples: Buffer[]) => void,
  ) => NativeReader;
}

export const ADDON_PATH = packagePath("native", "dds", "build", "Release", "process_reward_dds.node");

export const HOW_TO_ENABLE_DDS =
  "the dds transport needs Cyclone DDS and the native addon: install the Debian package `cyclonedds-dev` " +
  "(`sudo apt-get install cyclonedds-dev`), then run `npm install` (or `node scripts/build-native.mjs`) " +
  "to build native/dds. Without it use transport:=local or transport:=ros";

const loaded = new Map<string, DdsAddon>();

export function loadDdsAddon(path: string = ADDON_PATH): DdsAddon {
  const hit = loaded.get(path);
  if (hit) return hit;
  if (!existsSync(path)) {
    throw new Error(`the Cyclone DDS addon is not built (${path} is missing): ${HOW_TO_ENABLE_DDS}`);
  }
  let addon: DdsAddon;
  try {
    addon = createRequire(import.meta.url)(path) as DdsAddon;
  } catch (err) {
    throw new Error(`cannot load the Cyclone DDS addon (${(err as Error).message}): ${HOW_TO_ENABLE_DDS}`, {
      cause: err,
    });
  }
  loaded.set(path, addon);
  return addon;
}
