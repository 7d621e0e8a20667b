// DDS kept to this machine, for the DDS tests, their peer processes and the benches: Cyclone on loopback
// only, and topic names no other process shares.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { packagePath } from "../paths.js";

export const LOOPBACK_CONFIG = packagePath("config", "cyclonedds-loopback.xml");

/** The environment for this process and its children: Cyclone on loopback only. */
export function useLoopbackDds(): NodeJS.ProcessEnv {
  process.env.CYCLONEDDS_URI = `file://${LOOPBACK_CONFIG}`;
  return { ...process.env };
}

/** Topic names unique to one run, so concurrent test files, benches (or checkouts) never hear each other. */
export function uniqueTopic(name: string): string {
  return `/test_${process.pid}_${randomBytes(3).toString("hex")}/${name}`;
}

/**
 * Why DDS tests cannot run here, or undefined. Only a machine without libddsc skips: where Cyclone is
 * installed a missing or broken addon is a failure, not a reason to skip.
 */
export function ddsTestSkipReason(): string | undefined {
  const found = spawnSync("pkg-config", ["--exists", "CycloneDDS"]);
  return found.status === 0
    ? undefined
    : "Cyclone DDS (Debian package cyclonedds-dev) is not installed, so the dds transport is not built";
}
