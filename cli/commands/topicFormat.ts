import { stringify } from "yaml";
import { shortTypeName } from "../../lib/codec/typeName.js";

/** Arrays longer than this print as their length, as `ros2 topic echo --no-arr` would. */
const MAX_PRINTED_ITEMS = 16;

type TypedArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function summarize(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (ArrayBuffer.isView(value)) {
    const array = value as TypedArray;
    if (array.length <= MAX_PRINTED_ITEMS) return [...array];
    return value instanceof Uint8Array ? `<${array.length} bytes>` : `<${array.length} items>`;
  }
  if (Array.isArray(value)) {
    return value.length > MAX_PRINTED_ITEMS ? `<${value.length} items>` : value.map(summarize);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, summarize(v)]));
  }
  return value;
}

/**
 * A decoded message as readable text: YAML with large arrays summarized by length, and images by
 * width × height × encoding (compressed ones by format) instead of their pixels.
 */
export function formatMessage(type: string, message: unknown): string {
  const summary = summarize(message) as Record<string, unknown>;
  const m = message as Record<string, unknown>;
  const data = m.data as Uint8Array | undefined;
  switch (shortTypeName(type)) {
    case "sensor_msgs/Image":
      summary.data = `<${data?.byteLength} bytes: ${m.width} × ${m.height} × ${m.encoding}>`;
      break;
    case "sensor_msgs/CompressedImage":
      summary.data = `<${data?.byteLength} bytes: ${m.format}>`;
      break;
  }
  return stringify(summary, { lineWidth: 0 }).trimEnd();
}

export interface RateStats {
  /** Messages per second over the window (from the mean interval). */
  rate: number;
  minInterval: number;
  maxInterval: number;
  stdDev: number;
  /** Intervals in the window. */
  window: number;
}

/** Arrival-rate statistics over the last `window` intervals, like `ros2 topic hz`. */
export class RateMeter {
  private readonly intervals: number[] = [];
  private last: number | undefined;

  constructor(private readonly window = 10_000) {
    if (!Number.isInteger(window) || window < 1)
      throw new Error(`window must be a positive integer, got ${window}`);
  }

  /** Records an arrival at `seconds` (monotonic). */
  add(seconds: number): void {
    if (this.last !== undefined) {
      this.intervals.push(seconds - this.last);
      if (this.intervals.length > this.window) this.intervals.shift();
    }
    this.last = seconds;
  }

  stats(): RateStats | undefined {
    const n = this.intervals.length;
    if (n === 0) return undefined;
    const mean = this.intervals.reduce((a, b) => a + b, 0) / n;
    const variance = this.intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    return {
      rate: mean > 0 ? 1 / mean : Infinity,
      minInterval: Math.min(...this.intervals),
      maxInterval: Math.max(...this.intervals),
      stdDev: Math.sqrt(variance),
      window: n,
    };
  }
}

export function formatRate(s: RateStats): string {
  return (
    `average rate: ${s.rate.toFixed(3)}\n` +
    `\tmin: ${s.minInterval.toFixed(3)}s max: ${s.maxInterval.toFixed(3)}s std dev: ${s.stdDev.toFixed(5)}s window: ${s.window}`
  );
}
