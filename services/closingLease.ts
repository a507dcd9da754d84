import type { ClosureRequest } from './closureRequest';
import { isAppError } from './errors';
import type { Logger } from './logger';

export interface LeaseRenewalOptions {
  /** How often the lease is renewed while the closer runs: a third of the lease, so two renewals may fail in a row. */
  readonly everyMs: number;
  /** Writes changes to the request (compare-and-swap on the caller's current copy). */
  readonly write: (changes: Partial<ClosureRequest>) => Promise<void>;
  /** The changes of one renewal (a new `leaseUntil`). */
  readonly renewal: () => Partial<ClosureRequest>;
  readonly requestId: string;
  readonly logger: Logger;
}

/**
 * Keeps a closing request's lease ahead of the clock while its closer runs (issue 19: the lease was 120 s and one
 * closure may take 3 calls x 60 s deadlines, so a reconciler could start a second closer on a live turn). Every
 * write of the record during the close goes through `write`, one at a time, so a renewal and the closer's own
 * `deleteSentAt` never race each other's eTag.
 */
export class LeaseRenewal {
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: LeaseRenewalOptions) {
    this.timer = setInterval(() => void this.renew(), options.everyMs);
    this.timer.unref();
  }

  /** A write in line with the renewals; its failure is the caller's. */
  write(changes: Partial<ClosureRequest>): Promise<void> {
    const next = this.queue.then(() => this.options.write(changes));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** No more renewals; resolves once the one in flight (if any) is written. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.queue;
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.write(this.options.renewal());
    } catch (error) {
      // Storage blip: the next renewal tries again. A conflict means another instance took the request after all;
      // the closer's outcome write will see it and refuse (RECORD_CONFLICT), and the closer is idempotent per request.
      this.options.logger.warn('the closing lease could not be renewed', { requestId: this.options.requestId, error });
    }
  }
}

/**
 * A re-check that failed for a reason that passes (a gateway's 502/503/504, 429, no answer, a timeout): the realm
 * adapter marks such a failure `transient` (the UserRealm port's contract), so the domain needs no HTTP to tell it.
 */
export function isTransientRealmFailure(error: unknown): boolean {
  return isAppError(error, 'REALM_UNAVAILABLE') && error.transient;
}
