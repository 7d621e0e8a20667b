import type { Time } from "../codec/messages.js";

const NS_PER_S = 1_000_000_000n;

export function timeToNanos(t: Time): bigint {
  return BigInt(t.sec) * NS_PER_S + BigInt(t.nanosec);
}

export function timeFromNanos(ns: bigint): Time {
  if (ns < 0n) throw new Error(`ROS time cannot be negative (${ns} ns)`);
  return { sec: Number(ns / NS_PER_S), nanosec: Number(ns % NS_PER_S) };
}

export function timeToSeconds(t: Time): number {
  return t.sec + t.nanosec / 1e9;
}

export function timeFromSeconds(seconds: number): Time {
  return timeFromNanos(BigInt(Math.round(seconds * 1e9)));
}

/** Milliseconds from a to b (b − a), exact enough for sync windows and latencies. */
export function millisBetween(a: Time, b: Time): number {
  return Number(timeToNanos(b) - timeToNanos(a)) / 1e6;
}

export function compareTime(a: Time, b: Time): number {
  const d = timeToNanos(a) - timeToNanos(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export const ZERO_TIME: Time = Object.freeze({ sec: 0, nanosec: 0 });
