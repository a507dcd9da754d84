import type { AppError } from './errors';

/**
 * Durable records with optimistic concurrency. The eTag is the store's own (file: a content hash;
 * Blob Storage: the blob's ETag). `replace` is a compare-and-swap: it succeeds only if the record still has
 * the eTag the caller read, so two writers on one instance or two can never both win.
 */
export interface StoredRecord<T> {
  readonly value: T;
  readonly etag: string;
}

/**
 * One entry of a streamed walk (`scan`): the record, or why it could not be read. The id is always there, so one
 * unreadable record (a truncated file, a blob that is not JSON) is named and set aside instead of failing the walk.
 */
export type ScannedRecord<T> =
  | { readonly id: string; readonly record: StoredRecord<T>; readonly unreadable?: undefined }
  | { readonly id: string; readonly record?: undefined; readonly unreadable: AppError };

/** How many records a walk holds at once by default: memory stays flat in the number of records (issue 22). */
export const DEFAULT_SCAN_PAGE_SIZE = 100;

export interface RecordStore<T> {
  get(id: string): Promise<StoredRecord<T> | undefined>;
  /** @throws AppError `RECORD_CONFLICT` when a record with this id exists. Returns the new eTag. */
  create(id: string, value: T): Promise<string>;
  /** @throws AppError `RECORD_CONFLICT` when the record's eTag is not `etag` (or it is gone). Returns the new eTag. */
  replace(id: string, value: T, etag: string): Promise<string>;
  /** Ids and values of every record; order unspecified. Small record kinds and tests only: it holds them all at once. */
  list(): Promise<Array<StoredRecord<T> & { readonly id: string }>>;
  /**
   * Every record, streamed in pages of at most `pageSize`; order unspecified. A record deleted during the walk is
   * left out; one that cannot be read comes as `unreadable` with its id. Only a failure to list throws.
   */
  scan(pageSize?: number): AsyncIterable<ReadonlyArray<ScannedRecord<T>>>;
  /**
   * Removes a record; no error if it is already gone. With `etag`, only if the record still has it
   * (@throws AppError `RECORD_CONFLICT` when it changed), so a reader never deletes what a writer just renewed.
   */
  delete(id: string, etag?: string): Promise<void>;
}
