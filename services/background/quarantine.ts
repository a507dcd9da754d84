import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors';
import type { RecordStore } from '../recordStore';

/**
 * A record the background work set aside: it could not be read, or handling it kept failing. Ids and an error
 * code only (never the record's content, which may be personal): enough for an operator to find the record in
 * its store, look at it, and release it once mended (`npm run ops -- quarantined`, README "Background work").
 */
export interface QuarantineEntry {
  /** The record kind (store), e.g. `closureRequests`. */
  readonly kind: string;
  readonly recordId: string;
  /** The job that set it aside, e.g. `reconcile`. */
  readonly job: string;
  /** `RECORD_UNREADABLE`, another catalogue code, or `error` for a failure outside the catalogue. */
  readonly reason: ErrorCode | 'error';
  /** Failed passes in a row before it was set aside (1 for an unreadable record). */
  readonly failures: number;
  readonly at: string;
}

/**
 * The set-aside records of every job, in a record kind of its own (`quarantine`): later passes skip them, on every
 * instance, until an operator releases them. Like Azure Functions' poison queue for blob triggers
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger#poison-blobs), but
 * the record stays where it is: only this entry marks it, so releasing it is deleting the entry.
 */
export class Quarantine {
  constructor(private readonly entries: RecordStore<QuarantineEntry>) {}

  async setAside(entry: QuarantineEntry): Promise<void> {
    const id = entryId(entry.kind, entry.recordId);
    const existing = await this.entries.get(id);
    if (existing) await this.entries.replace(id, entry, existing.etag);
    else await this.entries.create(id, entry);
  }

  /** The ids set aside for one record kind (few: each is an operator's to-do), read once per pass. */
  async idsOf(kind: string): Promise<ReadonlySet<string>> {
    const ids = new Set<string>();
    for await (const page of this.entries.scan())
      for (const { record } of page) if (record?.value.kind === kind) ids.add(record.value.recordId);
    return ids;
  }

  /** Every entry, for the operator's listing; oldest first. */
  async list(): Promise<QuarantineEntry[]> {
    const all: QuarantineEntry[] = [];
    for await (const page of this.entries.scan()) for (const { record } of page) if (record) all.push(record.value);
    return all.sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Lets the background work try the record again; returns whether it was set aside. */
  async release(kind: string, recordId: string): Promise<boolean> {
    const id = entryId(kind, recordId);
    if (!(await this.entries.get(id))) return false;
    await this.entries.delete(id);
    return true;
  }
}

/** Record ids allow 128 characters: a kind and a long id together are hashed instead of cut. */
function entryId(kind: string, recordId: string): string {
  const plain = `${kind}--${recordId}`;
  return plain.length <= 128 ? plain : `${kind.slice(0, 40)}--${createHash('sha256').update(plain).digest('hex')}`;
}
