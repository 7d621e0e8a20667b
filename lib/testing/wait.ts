// Waiting in tests, for code that runs on the wall clock (transports, nodes, child processes). Code that
// takes an rxjs scheduler is tested on virtual time instead. Here in lib/ so that tests of every layer can
// import it.

export interface UntilOptions {
  /** What is awaited, for the message on timeout; a function when it should read the state at that moment. */
  readonly what: string | (() => string);
  readonly timeoutMs?: number;
}

/** Resolves after `ms` of wall-clock time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition` holds, polling; rejects naming `what` when it has not after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  { what, timeoutMs = 10_000 }: UntilOptions,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`,
      );
    }
    await sleep(2);
  }
}
