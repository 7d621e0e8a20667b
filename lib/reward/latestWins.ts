import { Observable, type OperatorFunction } from "rxjs";

/**
 * Runs `work` on one value at a time. Values that arrive while it is busy are not queued: only the newest
 * is kept and run next, each one it replaces is passed to `onDrop`. rxjs has exhaustMap (drops all while
 * busy, so the newest is lost) and concatMap (queues without bound); neither is latest-wins.
 * `work` must handle its own errors: a rejection ends the stream.
 */
export function latestWins<T, R>(
  work: (value: T) => Promise<R>,
  onDrop: (value: T) => void,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let busy = false;
      let pending: { value: T } | undefined;
      let sourceDone = false;
      const run = (value: T): void => {
        busy = true;
        work(value).then(
          (result) => {
            subscriber.next(result);
            busy = false;
            if (pending) {
              const next = pending.value;
              pending = undefined;
              run(next);
            } else if (sourceDone) subscriber.complete();
          },
          (err: unknown) => subscriber.error(err),
        );
      };
      const subscription = source.subscribe({
        next: (value) => {
          if (!busy) return run(value);
          if (pending) onDrop(pending.value);
          pending = { value };
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (!busy && !pending) subscriber.complete();
        },
      });
      return () => {
        pending = undefined;
        subscription.unsubscribe();
      };
    });
}
