import { isAppError } from './errors';
import type { Logger } from './logger';
import type { RecordStore } from './recordStore';
import { outsideTurn } from './turnScope';

/** The record kind of the deployment's marks, one per walk below: `exportJobs`, `closureLocks`. */
export const LISTING_MARKS = 'accountListings';

export interface ListedOnAccountsOptions<T> {
  /** The mark's id: the record kind walked. */
  readonly name: string;
  /** Every record of that kind (the store itself, not an open-record index: finished ones count too). */
  readonly records: RecordStore<T>;
  /** Lists one record on its account's record; false when it cannot be (not a record of that kind). */
  readonly listOne: (id: string, record: T) => Promise<boolean>;
  readonly marks: RecordStore<{ readonly listedAt: string }>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** How long a turn waits for the answer before it looks as before (default {@link LISTING_WAIT_MS}). */
  readonly waitMs?: number;
}

/**
 * A turn waits this long for the listing's answer: enough for the mark's read or an empty kind's walk, far under the
 * 15 seconds a channel gives a turn, so the first turns after an upgrade never wait on a walk of many older records.
 */
export const LISTING_WAIT_MS = 1_000;

/** `answer`, or false when it is not known within `waitMs` (it goes on; a later asker gets it). */
function answerWithin(answer: Promise<boolean>, waitMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs).unref()));
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/**
 * Whether every record of a kind is known to be listed on its account's record (services/closure/closureAccounts.ts),
 * so that what an account's record does not list, the account does not have, and a turn need not look (issue 22).
 * This version lists a record there before it writes it, and the previous one made the account's record (and
 * listed its requests) before either could exist; only records from before account records (issue 19) can be
 * missing. One walk lists every record of the kind on its account, then writes the deployment's mark; until the
 * mark exists, or while a record cannot be read or listed, the turns look as before. Once per process: the mark is
 * read once, the walk made by the first process that finds no mark (by several at once: listing is idempotent),
 * outside the turn that asked first.
 */
export class ListedOnAccounts<T> {
  private known?: Promise<boolean>;

  constructor(private readonly options: ListedOnAccountsOptions<T>) {}

  /**
   * Whether every record of the kind is listed. A turn waits for the answer at most `waitMs` (default
   * {@link LISTING_WAIT_MS}): the mark's one read, or the walk of a kind with few records. A walk over a deployment's
   * many older records goes on without it, and the turns look as before until it is done.
   */
  check(waitMs = this.options.waitMs ?? LISTING_WAIT_MS): Promise<boolean> {
    this.known ??= outsideTurn(() => this.walkOnce()).catch((error: unknown) => {
      // The next asker tries again; meanwhile the turns look.
      this.known = undefined;
      this.options.logger.warn('could not learn whether every record is listed on its account', { kind: this.options.name, error });
      return false;
    });
    return answerWithin(this.known, waitMs);
  }

  private async walkOnce(): Promise<boolean> {
    const { name, records, listOne, marks, clock, logger } = this.options;
    if (await marks.get(name)) return true;
    let unlisted = 0;
    for await (const page of records.scan()) {
      for (const entry of page) {
        if (!entry.record || !(await listOne(entry.id, entry.record.value))) unlisted += 1;
      }
    }
    if (unlisted > 0) {
      logger.warn('records that cannot be read or listed keep their turns looking', { kind: name, unlisted });
      return false;
    }
    await marks.create(name, { listedAt: clock().toISOString() }).catch((error: unknown) => {
      // Another process made the same walk and wrote it first.
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
    });
    return true;
  }
}
