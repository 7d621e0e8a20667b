// Builds the independent C test peer: idlc generates the types from ros_types.idl, cc compiles them with
// peer.c against libddsc. Rebuilds only when a source is newer than the binary.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { packagePath } from "../../lib/paths.js";

const dir = packagePath("test", "dds-peer");
const out = packagePath("test", "dds-peer", "build");

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: dir, encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new Error(
      `building the C test peer failed at \`${command} ${args.join(" ")}\`: ` +
        (result.error?.message ?? `${result.stderr}${result.stdout}`),
    );
  }
}

/** The path of the peer executable, built if needed. */
export function buildCPeer(): string {
  const binary = `${out}/peer`;
  const sources = ["peer.c", "ros_types.idl", "build.ts"].map((f) => statSync(`${dir}/${f}`).mtimeMs);
  if (existsSync(binary) && statSync(binary).mtimeMs > Math.max(...sources)) return binary;
  mkdirSync(out, { recursive: true });
  run("idlc", ["-x", "final", "-o", out, "ros_types.idl"]);
  const ddsFlags = spawnSync("pkg-config", ["--cflags", "--libs", "CycloneDDS"], { encoding: "utf8" });
  if (ddsFlags.status !== 0) throw new Error("pkg-config finds no CycloneDDS (install cyclonedds-dev)");
  run("cc", [
    "-std=gnu11",
    "-O2",
    "-Wall",
    "-Wextra",
    "-o",
    binary,
    "peer.c",
    `${out}/ros_types.c`,
    `-I${out}`,
    ...ddsFlags.stdout.trim().split(/\s+/),
  ]);
  return binary;
}
