import type { RecordStore, ScannedRecord, StoredRecord } from '../../services/recordStore';
import { currentTurn } from '../../services/turnScope';

/**
 * A record store that remembers, for the length of one turn (services/turnScope.ts), the records the turn
 * read or wrote with their eTags: the second read of a record in a turn (a press is judged, then confirmed, then
 * closed, each reading the request and the account) and the read right after the turn's own compare-and-swap ask
 * nobody (issue 22). Every write is still a compare-and-swap on the store, so a record changed by another instance
 * meanwhile makes the write conflict; a failed write forgets the record, so the caller's retry reads it again.
 * Outside a turn it is the store itself. Walks (`list`, `scan`) always read the store.
 */
export class TurnCachedRecordStore<T> implements RecordStore<T> {
  constructor(private readonly store: RecordStore<T>) {}

  async get(id: string): Promise<StoredRecord<T> | undefined> {
    const seen = this.seen();
    const known = seen?.get(id);
    if (known !== undefined) return known ?? undefined;
    const record = await this.store.get(id);
    seen?.set(id, record ?? null);
    return record;
  }

  async create(id: string, value: T): Promise<string> {
    return this.remember(id, value, () => this.store.create(id, value));
  }

  async replace(id: string, value: T, etag: string): Promise<string> {
    return this.remember(id, value, () => this.store.replace(id, value, etag));
  }

  list(): Promise<Array<StoredRecord<T> & { readonly id: string }>> {
    return this.store.list();
  }

  scan(pageSize?: number): AsyncIterable<ReadonlyArray<ScannedRecord<T>>> {
    return this.store.scan(pageSize);
  }

  async delete(id: string, etag?: string): Promise<void> {
    this.seen()?.delete(id);
    await this.store.delete(id, etag);
    this.seen()?.set(id, null);
  }

  private async remember(id: string, value: T, write: () => Promise<string>): Promise<string> {
    const seen = this.seen();
    seen?.delete(id);
    const etag = await write();
    seen?.set(id, { value, etag });
    return etag;
  }

  /** This store's records in the current turn, or undefined outside a turn. */
  private seen(): Map<string, StoredRecord<T> | null> | undefined {
    const turn = currentTurn();
    if (!turn) return undefined;
    let seen = turn.records.get(this);
    if (!seen) {
      seen = new Map();
      turn.records.set(this, seen);
    }
    return seen as Map<string, StoredRecord<T> | null>;
  }
}
