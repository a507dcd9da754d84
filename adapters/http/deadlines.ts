/**
 * Per-attempt timeouts for many calls in flight on ONE timer. `AbortSignal.timeout` (or a `setTimeout`) per call
 * allocates a timer, a signal and its listeners for every outside call; the CPU profile of issue 14 charged a
 * visible share of a closure to that. Here an attempt only joins a set; the single timer is armed for the
 * earliest deadline, and on firing expires everything due and re-arms for the next. Attempts of one client share
 * a timeout length, so deadlines arrive in order and the timer is rarely re-armed.
 */
export interface DeadlineEntry {
  readonly at: number;
  readonly expire: () => void;
}

export interface Deadlines {
  /** Calls `expire` once at `now() + ms` unless the returned `cancel` ran first. */
  add(ms: number, expire: () => void): () => void;
}

/** Monotonic milliseconds: a wall clock set back must not stretch a timeout. */
export function createDeadlines(now: () => number = () => performance.now()): Deadlines {
  const pending = new Set<DeadlineEntry>();
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Infinity;

  const arm = (at: number): void => {
    if (timer && at >= armedFor) return;
    if (timer) clearTimeout(timer);
    armedFor = at;
    // Unref'd: an outside call in flight must not be what keeps a stopping process alive.
    timer = setTimeout(fire, Math.max(0, at - now())).unref();
  };

  const fire = (): void => {
    timer = undefined;
    armedFor = Infinity;
    const at = now();
    let next = Infinity;
    for (const entry of pending) {
      if (entry.at <= at) {
        pending.delete(entry);
        entry.expire();
      } else if (entry.at < next) {
        next = entry.at;
      }
    }
    if (next !== Infinity) arm(next);
  };

  return {
    add(ms, expire) {
      const entry: DeadlineEntry = { at: now() + ms, expire };
      pending.add(entry);
      arm(entry.at);
      // An armed timer outlives a cancelled entry: firing into an empty set is cheaper than a new timer per call.
      return () => pending.delete(entry);
    },
  };
}
