// A scripted grm answerer for tests that know the true progress of every frame they send (sim episodes).
import type { GrmCall } from "./grmServer.js";

/** H(p → q) of DESIGN §4, as the served model is asked for it. */
export function trueHop(p: number, q: number): number {
  if (q >= p) return p >= 1 ? 0 : (q - p) / (1 - p);
  return p <= 0 ? 0 : (q - p) / p;
}

/**
 * An answerer that knows the true progress of every image it may be sent (`truthOf`: data URL → progress,
 * filled in as the test goes) and answers the true hop BEFORE front → AFTER front; a request with a frame it
 * does not know is answered "unknown frames" and noted in `unknown`.
 */
export function truthAnswerer(truthOf: Map<string, number>, unknown: string[]) {
  return (call: GrmCall): string => {
    const p = truthOf.get(call.images[2]);
    const q = truthOf.get(call.images[5]);
    if (p === undefined || q === undefined) {
      unknown.push(call.text.slice(0, 40));
      return "unknown frames";
    }
    const percent = Math.round(100 * trueHop(p, q));
    return `<score>${percent >= 0 ? "+" : ""}${percent}%</score>`;
  };
}
