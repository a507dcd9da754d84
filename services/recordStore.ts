/**
 * Durable records with optimistic concurrency. The eTag is the store's own (file: a content hash;
 * Blob Storage: the blob's ETag). `replace` is a compare-and-swap: it succeeds only if the record still has
 * the eTag the caller read, so two writers on one instance or two can never both win.
 */
export interface StoredRecord<T> {
  readonly value: T;
  readonly etag: string;
}

export interface RecordStore<T> {
  get(id: string): Promise<StoredRecord<T> | undefined>;
  /** @throws AppError `RECORD_CONFLICT` when a record with this id exists. Returns the new eTag. */
  create(id: string, value: T): Promise<string>;
  /** @throws AppError `RECORD_CONFLICT` when the record's eTag is not `etag` (or it is gone). Returns the new eTag. */
  replace(id: string, value: T, etag: string): Promise<string>;
  /** Ids and values of every record; order unspecified. For reconcilers and pollers, not for hot paths. */
  list(): Promise<Array<StoredRecord<T> & { readonly id: string }>>;
  /** Removes a record; no error if it is already gone. */
  delete(id: string): Promise<void>;
}
