/**
 * Holds an observation until the reward of the transition into it has arrived, so that in lockstep the sim
 * waits for the reward node instead of running ahead of it (every camera group is then scored, none dropped
 * by latest-wins). A reward that does not come within the timeout releases the observation anyway: a late or
 * dead reward node slows the robot down, it never stalls it.
 */
export interface GateKey {
  readonly episode: bigint;
  readonly step: number;
}

export class ObservationGate<T> {
  private pending: { key: GateKey; item: T; deadline: number } | undefined;
  private rewarded: GateKey | undefined;
  timeouts = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly release: (item: T) => void,
  ) {}

  /** An observation of `key`; the first state of an episode has no transition into it and goes at once. */
  observe(key: GateKey, item: T, now: number): void {
    if (key.step === 0 || same(key, this.rewarded)) {
      this.pending = undefined;
      this.release(item);
      return;
    }
    // A newer observation replaces one still waiting: the robot acts on its latest state.
    this.pending = { key, item, deadline: now + this.timeoutMs };
  }

  /** The reward of the transition into `key` arrived. */
  reward(key: GateKey): void {
    this.rewarded = key;
    if (this.pending && same(this.pending.key, key)) this.flush();
  }

  /** Releases an observation whose reward is overdue; returns whether it did. */
  tick(now: number): boolean {
    if (!this.pending || now < this.pending.deadline) return false;
    this.timeouts++;
    this.flush();
    return true;
  }

  private flush(): void {
    const { item } = this.pending!;
    this.pending = undefined;
    this.release(item);
  }
}

const same = (a: GateKey, b: GateKey | undefined): boolean =>
  b !== undefined && a.episode === b.episode && a.step === b.step;
