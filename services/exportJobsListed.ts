import type { ExportJob, ExportJobListing } from './exportService';
import { isAppError } from './errors';
import type { Logger } from './logger';
import type { RecordStore } from './recordStore';
import { outsideTurn } from './turnScope';

/** The one record of its kind: written once every export job of the deployment is listed on its account. */
export const EVERY_JOB_LISTED = 'everyJobListed';

export interface ExportJobsListedOptions {
  /** Every export job (the store itself, not the open-record index: finished jobs count too). */
  readonly jobs: RecordStore<ExportJob>;
  readonly listing: ExportJobListing;
  /** Where the deployment records that the walk below has been made (`exportJobListing`). */
  readonly marks: RecordStore<{ readonly listedAt: string }>;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * Whether an account without a record can be taken to have no export job (issue 22), so the first export offer of
 * an account (the common case) looks up nothing. A job is listed on its account's record before it is created, and
 * the previous version made the account's record at the export offer, before a job could be asked for; only jobs
 * from before account records (issue 19) can have none. One walk lists every job on its account, then writes the
 * mark; until the mark exists (or when the walk meets an unreadable job), accounts without a record are looked up.
 * Once per process: the mark is read once, the walk made by the first process that finds no mark (at once by
 * several: listing is idempotent), outside the turn that asked first.
 */
export class ExportJobsListed {
  private known?: Promise<boolean>;

  constructor(private readonly options: ExportJobsListedOptions) {}

  check(): Promise<boolean> {
    this.known ??= outsideTurn(() => this.walkOnce()).catch((error: unknown) => {
      // The next asker tries again; meanwhile accounts without a record are looked up.
      this.known = undefined;
      this.options.logger.warn('could not learn whether every export job is listed on its account', { error });
      return false;
    });
    return this.known;
  }

  private async walkOnce(): Promise<boolean> {
    const { jobs, listing, marks, clock, logger } = this.options;
    if (await marks.get(EVERY_JOB_LISTED)) return true;
    let unreadable = 0;
    for await (const page of jobs.scan()) {
      for (const entry of page) {
        const job = entry.record?.value;
        if (job && typeof job.objectId === 'string' && typeof job.tenantId === 'string') await listing.listExportJob(job);
        else unreadable += 1;
      }
    }
    if (unreadable > 0) {
      logger.warn('export jobs that cannot be read keep accounts without a record looked up', { unreadable });
      return false;
    }
    await marks.create(EVERY_JOB_LISTED, { listedAt: clock().toISOString() }).catch((error: unknown) => {
      // Another process made the same walk and wrote it first.
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
    });
    return true;
  }
}
