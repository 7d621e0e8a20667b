import { cpus, loadavg } from "node:os";

/** The machine a benchmark ran on, so numbers from different machines are not compared blindly. */
export function os(): string {
  const cpu = cpus();
  return `${cpu.length}× ${cpu[0]?.model ?? "unknown CPU"}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join("/")}, node ${process.version}`;
}
