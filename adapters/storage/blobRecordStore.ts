import type { ContainerClient } from '@azure/storage-blob';
import { AppError, isAppError } from '../../services/errors';
import { DEFAULT_SCAN_PAGE_SIZE, type RecordStore, type ScannedRecord, type StoredRecord } from '../../services/recordStore';
import { ensureContainer, readBody, statusOf, toStorageError } from './blobSupport';
import { assertRecordId } from './recordId';

export interface BlobRecordStoreOptions {
  readonly containerClient: ContainerClient;
  /** Blob name prefix that separates record kinds, e.g. `closureRequests/`. */
  readonly prefix: string;
}

const RECORD_SUFFIX = '.json';
const JSON_HEADERS = { blobContentType: 'application/json' };

/**
 * One block blob per record; the eTag is the blob's ETag and compare-and-swap is the service's conditional
 * write (If-None-Match: * to create, If-Match to replace), so it holds across any number of instances.
 * A create or replace retried by the SDK after a lost response can report a conflict although it won: callers
 * re-read on RECORD_CONFLICT, which is safe either way.
 */
export class BlobRecordStore<T> implements RecordStore<T> {
  private readonly containerClient: ContainerClient;
  private readonly prefix: string;

  constructor(options: BlobRecordStoreOptions) {
    this.containerClient = options.containerClient;
    this.prefix = options.prefix;
  }

  async get(id: string): Promise<StoredRecord<T> | undefined> {
    assertRecordId(id);
    await ensureContainer(this.containerClient);
    return this.readBlob(id, this.blobName(id));
  }

  async create(id: string, value: T): Promise<string> {
    assertRecordId(id);
    return this.upload(id, value, { ifNoneMatch: '*' }, 'already exists');
  }

  async replace(id: string, value: T, etag: string): Promise<string> {
    assertRecordId(id);
    return this.upload(id, value, { ifMatch: etag }, 'changed since it was read or no longer exists');
  }

  async list(): Promise<Array<StoredRecord<T> & { readonly id: string }>> {
    await ensureContainer(this.containerClient);
    const records: Array<StoredRecord<T> & { readonly id: string }> = [];
    try {
      for await (const item of this.containerClient.listBlobsFlat({ prefix: this.prefix })) {
        const id = item.name.slice(this.prefix.length, -RECORD_SUFFIX.length);
        if (!item.name.endsWith(RECORD_SUFFIX) || id.includes('/')) continue;
        // Deleted between listing and reading: it is simply not part of the listing.
        const record = await this.readBlob(id, item.name);
        if (record) records.push({ id, ...record });
      }
    } catch (error) {
      throw toStorageError(error, `cannot list records under "${this.prefix}"`);
    }
    return records;
  }

  /**
   * List Blobs one page (`maxPageSize`, at most 5,000 per the service) at a time, each page's records read before
   * the next page is asked for: a walk over 100,000 records holds one page.
   * https://learn.microsoft.com/rest/api/storageservices/list-blobs#uri-parameters
   */
  async *scan(pageSize = DEFAULT_SCAN_PAGE_SIZE): AsyncIterable<ReadonlyArray<ScannedRecord<T>>> {
    await ensureContainer(this.containerClient);
    const pages = this.containerClient.listBlobsFlat({ prefix: this.prefix }).byPage({ maxPageSize: pageSize });
    while (true) {
      let listed;
      try {
        listed = await pages.next();
      } catch (error) {
        throw toStorageError(error, `cannot list records under "${this.prefix}"`);
      }
      if (listed.done) return;
      const page: Array<ScannedRecord<T>> = [];
      for (const item of listed.value.segment.blobItems) {
        const id = item.name.slice(this.prefix.length, -RECORD_SUFFIX.length);
        if (!item.name.endsWith(RECORD_SUFFIX) || id.includes('/')) continue;
        try {
          const record = await this.readBlob(id, item.name);
          if (record) page.push({ id, record });
        } catch (error) {
          if (!isAppError(error, 'RECORD_UNREADABLE')) throw error;
          page.push({ id, unreadable: error });
        }
      }
      yield page;
    }
  }

  async delete(id: string, etag?: string): Promise<void> {
    assertRecordId(id);
    await ensureContainer(this.containerClient);
    try {
      await this.containerClient
        .getBlobClient(this.blobName(id))
        .deleteIfExists({ deleteSnapshots: 'include', ...(etag !== undefined ? { conditions: { ifMatch: etag } } : {}) });
    } catch (error) {
      // A conditional delete of a blob that is gone answers 412 on some service versions (Azurite does): gone is deleted.
      if (etag !== undefined && statusOf(error) === 412 && !(await this.get(id))) return;
      throw toStorageError(
        error,
        `record "${id}" ${statusOf(error) === 412 ? 'changed since it was read; not deleted' : 'was not deleted'}`,
      );
    }
  }

  private async upload(id: string, value: T, conditions: { ifMatch?: string; ifNoneMatch?: string }, conflict: string): Promise<string> {
    await ensureContainer(this.containerClient);
    const body = JSON.stringify(value);
    if (body === undefined) throw new AppError('STORAGE_UNAVAILABLE', `record "${id}" is not JSON-serializable`);
    try {
      const response = await this.containerClient
        .getBlockBlobClient(this.blobName(id))
        .upload(body, Buffer.byteLength(body), { conditions, blobHTTPHeaders: JSON_HEADERS });
      if (!response.etag) throw new AppError('STORAGE_UNAVAILABLE', `no ETag returned for record "${id}"`);
      return response.etag;
    } catch (error) {
      // Replacing a blob that is gone answers 404 on some service versions and 412 on others: both are lost races.
      if (conditions.ifMatch !== undefined && statusOf(error) === 404) {
        throw new AppError('RECORD_CONFLICT', `record "${id}" ${conflict}`, { cause: error });
      }
      throw toStorageError(error, `record "${id}" ${statusOf(error) === 409 || statusOf(error) === 412 ? conflict : 'was not written'}`);
    }
  }

  private async readBlob(id: string, blobName: string): Promise<StoredRecord<T> | undefined> {
    let text: string;
    let etag: string | undefined;
    try {
      const response = await this.containerClient.getBlobClient(blobName).download();
      etag = response.etag;
      text = (await readBody(response.readableStreamBody)).toString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, `cannot read record "${id}"`);
    }
    if (!etag) throw new AppError('STORAGE_UNAVAILABLE', `no ETag returned for record "${id}"`);
    try {
      return { value: JSON.parse(text) as T, etag };
    } catch (error) {
      throw new AppError('RECORD_UNREADABLE', `record "${id}" is not valid JSON`, { cause: error });
    }
  }

  private blobName(id: string): string {
    return `${this.prefix}${id}${RECORD_SUFFIX}`;
  }
}
