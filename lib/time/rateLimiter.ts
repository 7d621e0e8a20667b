/**
 * Admits at most `hz` events per second (0 = no limit), measured from the last admitted event. Time that
 * goes back (a simulator reset) starts the measure over rather than refusing everything until it catches up.
 */
export class RateLimiter {
  private last = Number.NEGATIVE_INFINITY;
  private readonly periodMs: number;

  constructor(hz: number) {
    this.periodMs = hz > 0 ? 1000 / hz : 0;
  }

  admit(nowMs: number): boolean {
    if (nowMs >= this.last && nowMs - this.last < this.periodMs) return false;
    this.last = nowMs;
    return true;
  }
}
