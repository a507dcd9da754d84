import { isAppError } from '../errors';
import type { Logger } from '../logger';
import type { RecordStore, StoredRecord } from '../recordStore';
import type { Quarantine, QuarantineEntry } from './quarantine';

/**
 * Work on records: the runner streams them (`scan`, in pages), skips the set-aside ones and those not due, and
 * hands each due one to `handle`, which claims it by compare-and-swap, acts, delivers and marks it done, so with
 * several instances each record is done once.
 */
export interface RecordJob<T> {
  readonly name: string;
  readonly everyMs: number;
  /** The record kind, as the quarantine and the logs name it (e.g. `closureRequests`). */
  readonly kind: string;
  readonly records: Pick<RecordStore<T>, 'scan'>;
  /** A cheap look at a listed record: is there work on it now? */
  readonly isDue: (value: T, now: Date) => boolean;
  /** Claim, act, deliver, mark done. False when there was nothing to do after all (another instance had it). */
  readonly handle: (id: string, record: StoredRecord<T>) => Promise<boolean>;
}

/** Work that is not per record (a sweep over files or marks): one call per pass. */
export interface SweepJob {
  readonly name: string;
  readonly everyMs: number;
  /** Returns how many things it did. */
  readonly sweep: () => Promise<number>;
}

export type BackgroundJob =
  { readonly kind: 'records'; readonly job: RecordJob<unknown> } | { readonly kind: 'sweep'; readonly job: SweepJob };

/** Erases the record type, so jobs on different record kinds share one list. */
export function recordJob<T>(job: RecordJob<T>): BackgroundJob {
  return { kind: 'records', job: job as unknown as RecordJob<unknown> };
}

export function sweepJob(job: SweepJob): BackgroundJob {
  return { kind: 'sweep', job };
}

export interface PassReport {
  readonly job: string;
  /** Records handled (or, for a sweep, what it returned). */
  readonly done: number;
  /** Records that failed this pass (tried again next pass, or set aside). */
  readonly failed: number;
  /** Records set aside by this pass. */
  readonly quarantined: number;
  /** Set-aside records this pass skipped. */
  readonly skipped: number;
  /** The pass itself failed (a listing, or the store went away mid-pass): the error's code. */
  readonly passError?: string;
}

/** Each job's own accounting, for the logs and an operator. */
export interface JobHealth {
  readonly name: string;
  readonly everyMs: number;
  readonly passes: number;
  readonly failedPasses: number;
  /** Failed passes since the last one that went through. */
  readonly failedInARow: number;
  readonly lastPassAt?: string;
  readonly lastError?: string;
  /** Records failing right now (not yet set aside). */
  readonly failingRecords: number;
}

export interface JobRunnerOptions {
  readonly jobs: readonly BackgroundJob[];
  readonly quarantine: Quarantine;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Failed passes in a row, for one record, before it is set aside. Default `DEFAULT_MAX_RECORD_FAILURES`. */
  readonly maxRecordFailures?: number;
}

/** Azure Functions sets a blob aside after 5 tries (`maxDequeueCount`); a pass here runs minutes apart, so 5 too. */
export const DEFAULT_MAX_RECORD_FAILURES = 5;

interface JobState {
  readonly entry: BackgroundJob;
  running?: Promise<PassReport>;
  passes: number;
  failedPasses: number;
  failedInARow: number;
  lastPassAt?: string;
  lastError?: string;
  /** Record id -> failed passes in a row (this process; a restart starts counting again). */
  readonly recordFailures: Map<string, number>;
}

/**
 * One way to run background work (issue 19, STYLE 20): every job on its own schedule with its own accounting;
 * a record that cannot be read, or keeps failing, is logged with its id, set aside and skipped, and never stops the
 * pass, let alone another job. A pass never overlaps itself; a failure that is the store's (it does not answer)
 * ends that pass, since every record after it would fail the same way, and the next pass tries again.
 */
export class JobRunner {
  private readonly states = new Map<string, JobState>();
  private timers: NodeJS.Timeout[] = [];
  private readonly maxRecordFailures: number;

  constructor(private readonly options: JobRunnerOptions) {
    this.maxRecordFailures = options.maxRecordFailures ?? DEFAULT_MAX_RECORD_FAILURES;
    for (const entry of options.jobs) {
      if (this.states.has(entry.job.name)) throw new Error(`two background jobs are named "${entry.job.name}"`);
      this.states.set(entry.job.name, { entry, passes: 0, failedPasses: 0, failedInARow: 0, recordFailures: new Map() });
    }
  }

  /** Runs every job now, then each on its own interval. */
  start(): void {
    for (const [name, state] of this.states) {
      void this.runOnce(name);
      this.timers.push(setInterval(() => void this.runOnce(name), state.entry.job.everyMs).unref());
    }
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Resolves once no pass is running. */
  async idle(): Promise<void> {
    await Promise.all([...this.states.values()].flatMap((state) => (state.running ? [state.running] : [])));
  }

  /** One pass of one job; if that job's pass is running already, its report. Never rejects. */
  runOnce(name: string): Promise<PassReport> {
    const state = this.states.get(name);
    if (!state) return Promise.reject(new Error(`no background job is named "${name}"`));
    state.running ??= this.pass(state).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }

  health(): JobHealth[] {
    return [...this.states.values()].map((state) => ({
      name: state.entry.job.name,
      everyMs: state.entry.job.everyMs,
      passes: state.passes,
      failedPasses: state.failedPasses,
      failedInARow: state.failedInARow,
      failingRecords: state.recordFailures.size,
      ...(state.lastPassAt ? { lastPassAt: state.lastPassAt } : {}),
      ...(state.lastError ? { lastError: state.lastError } : {}),
    }));
  }

  private async pass(state: JobState): Promise<PassReport> {
    const name = state.entry.job.name;
    const tally = { done: 0, failed: 0, quarantined: 0, skipped: 0 };
    let passError: string | undefined;
    try {
      if (state.entry.kind === 'sweep') tally.done = await state.entry.job.sweep();
      else await this.recordPass(state, state.entry.job, tally);
    } catch (error) {
      passError = codeOf(error);
      this.options.logger.error('a background pass failed; its next pass tries again', { job: name, errorCode: passError, error });
    }
    state.passes += 1;
    state.lastPassAt = this.options.clock().toISOString();
    if (passError) {
      state.failedPasses += 1;
      state.failedInARow += 1;
      state.lastError = passError;
    } else state.failedInARow = 0;
    if (tally.done + tally.failed + tally.quarantined > 0)
      this.options.logger.info('background pass', { job: name, ...tally, ...(passError ? { passError } : {}) });
    return { job: name, ...tally, ...(passError ? { passError } : {}) };
  }

  private async recordPass(
    state: JobState,
    job: RecordJob<unknown>,
    tally: { done: number; failed: number; quarantined: number; skipped: number },
  ) {
    const setAside = await this.options.quarantine.idsOf(job.kind);
    const failing = new Set(state.recordFailures.keys());
    for await (const page of job.records.scan()) {
      for (const entry of page) {
        if (setAside.has(entry.id)) {
          tally.skipped += 1;
          continue;
        }
        if (!entry.record) {
          // Truncated JSON and the like: it will not read better next time.
          await this.setAside(job, entry.id, entry.unreadable.code, 1);
          tally.quarantined += 1;
          continue;
        }
        if (!job.isDue(entry.record.value, this.options.clock())) continue;
        failing.delete(entry.id);
        try {
          if (await job.handle(entry.id, entry.record)) tally.done += 1;
          state.recordFailures.delete(entry.id);
        } catch (error) {
          // The store does not answer: every record after this one would fail the same way, and none is at fault.
          if (isAppError(error, 'STORAGE_UNAVAILABLE')) throw error;
          tally.failed += 1;
          if (await this.recordFailed(state, job, entry.id, error)) tally.quarantined += 1;
        }
      }
    }
    // Records that failed before and were not due this time (ended meanwhile, or gone) start afresh.
    for (const id of failing) state.recordFailures.delete(id);
  }

  /** Counts a record's failure; sets it aside once it failed `maxRecordFailures` passes in a row. Returns whether it did. */
  private async recordFailed(state: JobState, job: RecordJob<unknown>, recordId: string, error: unknown): Promise<boolean> {
    const reason = codeOf(error);
    if (transient(error)) {
      // A directory or gateway that does not answer is nobody's record's fault: tried again, never set aside.
      this.options.logger.warn('a background record failed and is tried again next pass', {
        job: job.name,
        recordId,
        errorCode: reason,
        error,
      });
      return false;
    }
    const failures = (state.recordFailures.get(recordId) ?? 0) + 1;
    state.recordFailures.set(recordId, failures);
    this.options.logger.error('a background record failed', { job: job.name, recordId, failures, errorCode: reason, error });
    if (failures < this.maxRecordFailures) return false;
    state.recordFailures.delete(recordId);
    await this.setAside(job, recordId, reason, failures);
    return true;
  }

  private async setAside(job: RecordJob<unknown>, recordId: string, reason: QuarantineEntry['reason'], failures: number): Promise<void> {
    this.options.logger.error('a record was set aside (quarantined); later passes skip it until an operator releases it', {
      job: job.name,
      kind: job.kind,
      recordId,
      reason,
    });
    await this.options.quarantine.setAside({
      kind: job.kind,
      recordId,
      job: job.name,
      reason,
      failures,
      at: this.options.clock().toISOString(),
    });
  }
}

function codeOf(error: unknown): QuarantineEntry['reason'] {
  return isAppError(error) ? error.code : 'error';
}

/**
 * Failures of something outside the record: a catalogue code that says a service is unavailable (HTTP 503 in the
 * catalogue), or an HTTP 429/5xx or network error that reached here unwrapped.
 */
function transient(error: unknown): boolean {
  if (isAppError(error)) return error.status === 503;
  const status = (error as { statusCode?: unknown; status?: unknown } | null)?.statusCode ?? (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return status === 429 || status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONN|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|ECONNRESET)/.test(code);
}
