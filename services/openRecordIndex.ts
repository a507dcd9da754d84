import { isAppError } from './errors';
import type { Logger } from './logger';
import { DEFAULT_SCAN_PAGE_SIZE, type RecordStore, type ScannedRecord, type StoredRecord } from './recordStore';

/**
 * The index holds one mark per open record, under the record's own id, with the time it was written or renewed.
 * Marks written before the time was kept are `{}`: read as old.
 */
export interface OpenMark {
  readonly markedAt?: string;
}

export interface OpenRecordIndexOptions<T> {
  readonly records: RecordStore<T>;
  /** A record kind of its own (e.g. `closureRequestsOpen`) in the same stores. */
  readonly index: RecordStore<OpenMark>;
  /** Whether the background work still has work on this record. */
  readonly isOpen: (value: T) => boolean;
  /** When the record last changed (ISO 8601); a closed record is deleted `keepClosedMs` after it. */
  readonly changedAt: (value: T) => string;
  readonly keepClosedMs: number;
  /**
   * Whether a record that stopped being open can be open again (an export job requested again). Default true. A kind
   * that never reopens (closure requests: open from creation until settled) is marked once, when it is created, and
   * its mark is removed when it closes; a kind that reopens has its mark renewed before each write that leaves it
   * open, and dropped only by a walk after `MARK_GRACE_MS` (issue 19's race).
   */
  readonly reopens?: boolean;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** A walk over every record for retention once a day is plenty for retention counted in days. */
export const RETENTION_SWEEP_EVERY_MS = 24 * 60 * 60_000;
/**
 * A mark is dropped by a walk only when its record is gone or closed AND the mark is older than this. A writer
 * renews a mark older than half of it before it writes, and writes the record within seconds, so a walk never
 * drops the mark of a record being created or reopened (issue 19: 20 of 300 requests lost theirs in forced races).
 */
export const MARK_GRACE_MS = 30 * 60_000;

type Listed<T> = StoredRecord<T> & { readonly id: string };

/**
 * A record store whose walks (`scan`, `list`) read only the open records, through an index of marks, instead of
 * every record ever written. A mark is written (or renewed) before a record becomes open; a record that stops being
 * open keeps its mark until a walk finds it closed and the mark past `MARK_GRACE_MS`, then the walk deletes the mark
 * if it is unchanged since read (compare-and-swap), so a writer renewing it at that moment always wins. A crash
 * leaves at most a stale mark, never an open record without one. The first walk in a process rebuilds the marks
 * from a streamed walk of every record, so records written before the index existed are found too.
 */
export class OpenRecordIndex<T> implements RecordStore<T> {
  private rebuilt: Promise<void> | undefined;

  constructor(private readonly options: OpenRecordIndexOptions<T>) {}

  get(id: string): Promise<StoredRecord<T> | undefined> {
    return this.options.records.get(id);
  }

  async create(id: string, value: T): Promise<string> {
    if (this.options.isOpen(value)) await (this.reopens ? this.mark(id) : this.markNew(id));
    return this.options.records.create(id, value);
  }

  async replace(id: string, value: T, etag: string): Promise<string> {
    if (this.reopens) {
      if (this.options.isOpen(value)) await this.mark(id);
      // A record that closes keeps its mark: a walk drops it after the grace (see the class comment). Deleting it
      // here raced a writer reopening the record (an export requested again) and could drop that writer's mark.
      return this.options.records.replace(id, value, etag);
    }
    // Never reopens: marked since its creation, so no mark is read or renewed before a write (issue 22: one read per
    // transition). Closed for good, its mark goes; no writer can want it back. A crash in between leaves a stale
    // mark, which a walk drops.
    const written = await this.options.records.replace(id, value, etag);
    if (!this.options.isOpen(value)) {
      // The record is written: a mark that cannot go now is only a stale one, which a walk drops after the grace.
      await this.options.index.delete(id).catch((error: unknown) => {
        this.options.logger.warn('the mark of a closed record stays for a walk to drop', { recordId: id, error });
      });
    }
    return written;
  }

  private get reopens(): boolean {
    return this.options.reopens ?? true;
  }

  /** The open records, all at once; order unspecified. Unreadable records are left out (`scan` names them). */
  async list(): Promise<Array<Listed<T>>> {
    const open: Array<Listed<T>> = [];
    for await (const page of this.scan()) for (const entry of page) if (entry.record) open.push({ id: entry.id, ...entry.record });
    return open;
  }

  /** The open records in pages, and the marked ones that cannot be read (with their ids); order unspecified. */
  async *scan(pageSize = DEFAULT_SCAN_PAGE_SIZE): AsyncIterable<ReadonlyArray<ScannedRecord<T>>> {
    this.rebuilt ??= this.rebuild().catch((error: unknown) => {
      // Walked again on the next pass rather than never.
      this.rebuilt = undefined;
      throw error;
    });
    await this.rebuilt;
    for await (const marks of this.options.index.scan(pageSize)) {
      const page: Array<ScannedRecord<T>> = [];
      for (const mark of marks) {
        const seenAt = this.options.clock().getTime();
        let record: StoredRecord<T> | undefined;
        try {
          record = await this.options.records.get(mark.id);
        } catch (error) {
          if (!isAppError(error, 'RECORD_UNREADABLE')) throw error;
          page.push({ id: mark.id, unreadable: error });
          continue;
        }
        if (record && this.options.isOpen(record.value)) page.push({ id: mark.id, record });
        else if (mark.record) await this.dropIfStale(mark.id, mark.record, seenAt);
      }
      if (page.length > 0) yield page;
    }
  }

  async delete(id: string, etag?: string): Promise<void> {
    await this.options.records.delete(id, etag);
    await this.options.index.delete(id);
  }

  /** Deletes closed records past their retention, streamed; returns how many. Unreadable ones are skipped, by id. */
  async sweepClosed(): Promise<number> {
    const now = this.options.clock().getTime();
    let removed = 0;
    for await (const page of this.options.records.scan()) {
      for (const { id, record, unreadable } of page) {
        if (!record) {
          this.options.logger.warn('retention skipped a record it cannot read', { recordId: id, errorCode: unreadable.code });
          continue;
        }
        if (this.options.isOpen(record.value) || Date.parse(this.options.changedAt(record.value)) + this.options.keepClosedMs > now)
          continue;
        try {
          // Only as read: a record reopened meanwhile (an export requested again) stays.
          await this.options.records.delete(id, record.etag);
          removed += 1;
        } catch (error) {
          if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
        }
      }
    }
    if (removed > 0)
      this.options.logger.info('deleted closed records past their retention', {
        removed,
        keepDays: this.options.keepClosedMs / 86_400_000,
      });
    return removed;
  }

  private async rebuild(): Promise<void> {
    let marked = 0;
    for await (const page of this.options.records.scan()) {
      for (const { id, record } of page) {
        // An unreadable record gets a mark too, so the walks name it and the runner sets it aside.
        if (record && !this.options.isOpen(record.value)) continue;
        await this.mark(id);
        marked += 1;
      }
    }
    this.options.logger.debug('rebuilt the index of open records', { marked });
  }

  /** A mark whose record is gone or closed, read before `seenAt`: deleted once past the grace, and only as read. */
  private async dropIfStale(id: string, mark: StoredRecord<OpenMark>, seenAt: number): Promise<void> {
    if (seenAt - markedAtOf(mark.value) < MARK_GRACE_MS) return;
    try {
      await this.options.index.delete(id, mark.etag);
    } catch (error) {
      // Renewed by a writer since it was read: that writer's record is (or is about to be) open.
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
    }
  }

  /** The mark of a record about to be created: a new id has none, so one create; one already there is as good. */
  private async markNew(id: string): Promise<void> {
    try {
      await this.options.index.create(id, { markedAt: this.options.clock().toISOString() });
    } catch (error) {
      if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      await this.mark(id);
    }
  }

  private async mark(id: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.options.clock().getTime();
      const fresh: OpenMark = { markedAt: new Date(now).toISOString() };
      // Most writes of an open record find it marked recently: a read says so without a write (issue 14's profile).
      const current = await this.options.index.get(id);
      try {
        if (!current) await this.options.index.create(id, fresh);
        else if (now - markedAtOf(current.value) >= MARK_GRACE_MS / 2) await this.options.index.replace(id, fresh, current.etag);
        return;
      } catch (error) {
        // Made, renewed or dropped by someone else at the same moment: look again.
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
      }
    }
    // Three lost races in a row: another writer is renewing it right now, which is all this needed.
  }
}

function markedAtOf(mark: OpenMark): number {
  const at = mark.markedAt === undefined ? Number.NaN : Date.parse(mark.markedAt);
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
}
