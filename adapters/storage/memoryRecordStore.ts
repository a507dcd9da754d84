import { AppError } from '../../services/errors';
import { DEFAULT_SCAN_PAGE_SIZE, type RecordStore, type ScannedRecord, type StoredRecord } from '../../services/recordStore';
import { assertRecordId } from './recordId';

/**
 * Records in process memory, for tests and single-instance sandbox runs. Values go through JSON on the way in
 * and out, like a real store, so a caller can neither mutate a stored record by reference nor store something
 * that would not survive serialization.
 */
export class MemoryRecordStore<T> implements RecordStore<T> {
  private readonly records = new Map<string, { readonly json: string; readonly etag: string }>();
  private writes = 0;

  async get(id: string): Promise<StoredRecord<T> | undefined> {
    assertRecordId(id);
    const stored = this.records.get(id);
    return stored && { value: JSON.parse(stored.json) as T, etag: stored.etag };
  }

  async create(id: string, value: T): Promise<string> {
    assertRecordId(id);
    if (this.records.has(id)) throw new AppError('RECORD_CONFLICT', `record "${id}" already exists`);
    return this.write(id, value);
  }

  async replace(id: string, value: T, etag: string): Promise<string> {
    assertRecordId(id);
    const stored = this.records.get(id);
    if (!stored || stored.etag !== etag) {
      throw new AppError('RECORD_CONFLICT', `record "${id}" ${stored ? 'changed since it was read' : 'no longer exists'}`);
    }
    return this.write(id, value);
  }

  async list(): Promise<Array<StoredRecord<T> & { readonly id: string }>> {
    return [...this.records].map(([id, stored]) => ({ id, value: JSON.parse(stored.json) as T, etag: stored.etag }));
  }

  async *scan(pageSize = DEFAULT_SCAN_PAGE_SIZE): AsyncIterable<ReadonlyArray<ScannedRecord<T>>> {
    // The ids as they were when the walk began; each page reads the records as they are now.
    const ids = [...this.records.keys()];
    for (let start = 0; start < ids.length; start += pageSize) {
      const page: Array<ScannedRecord<T>> = [];
      for (const id of ids.slice(start, start + pageSize)) {
        const record = await this.get(id);
        if (record) page.push({ id, record });
      }
      yield page;
    }
  }

  async delete(id: string, etag?: string): Promise<void> {
    assertRecordId(id);
    const stored = this.records.get(id);
    if (stored && etag !== undefined && stored.etag !== etag)
      throw new AppError('RECORD_CONFLICT', `record "${id}" changed since it was read; not deleted`);
    this.records.delete(id);
  }

  private write(id: string, value: T): string {
    const json = JSON.stringify(value);
    if (json === undefined) throw new AppError('STORAGE_UNAVAILABLE', `record "${id}" is not JSON-serializable`);
    // A counter, not a content hash: writing the same value again must still invalidate older eTags.
    const etag = `"m${++this.writes}"`;
    this.records.set(id, { json, etag });
    return etag;
  }
}
