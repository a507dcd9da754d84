import type { ContainerClient } from '@azure/storage-blob';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { AppError } from '../../services/errors';
import { ensureContainer, readBody, statusOf, toStorageError } from '../../adapters/storage/blobSupport';

export interface BlobStateStorageOptions {
  /** The records' container client (adapters/storage/openStores.ts): one pipeline and credential for every store. */
  readonly containerClient: ContainerClient;
}

/** A blob name is at most 1,024 characters (https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata). */
const MAX_BLOB_NAME = 1024;
/** More `/` than this are joined without one, as botbuilder-azure-blobs does (a blob name has at most 254 segments). */
const MAX_SEGMENTS = 255;
const JSON_HEADERS = { blobContentType: 'application/json' };

/**
 * Conversation state in Blob Storage for `STORAGE=blob`, in place of botbuilder-azure-blobs' `BlobsStorage` (issue 22):
 * the same blobs, requests and eTag rules, without what that class adds to each request: a zod parse per call, p-map,
 * and a stream consumer, on a ContainerClient (pipeline, credential) of its own beside the records'. Compatible both ways with state
 * BlobsStorage 4.23.3 wrote (lib/blobsStorage.js, test/storage/blobStateStorage.test.ts):
 * - a key's blob is `sanitizeBlobKey(key)` (below), the item's JSON without its eTag, `application/json`;
 * - read: a missing blob is a missing item; an item read carries the blob's ETag as `eTag`;
 * - write: no eTag or `*` overwrites; any other eTag is `If-Match`, and a blob changed or gone since is
 *   `RECORD_CONFLICT` with BlobsStorage's wording ("... due to eTag conflict.");
 * - delete: a missing blob is deleted.
 * The container is made once per process and a failed attempt is retried on the next call (blobSupport.ts
 * `ensureContainer`), which is what bot/storage/recoveringStorage.ts had to add around BlobsStorage (issue 19).
 */
export class BlobStateStorage implements Storage {
  private readonly containerClient: ContainerClient;

  constructor(options: BlobStateStorageOptions) {
    this.containerClient = options.containerClient;
  }

  async read(keys: string[]): Promise<StoreItems> {
    await ensureContainer(this.containerClient);
    const items: StoreItems = {};
    const read = await Promise.all(keys.map((key) => this.readOne(key)));
    keys.forEach((key, i) => {
      if (read[i]) items[key] = read[i];
    });
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await ensureContainer(this.containerClient);
    await Promise.all(Object.entries(changes).map(([key, change]) => this.writeOne(key, change as StoreItem)));
  }

  async delete(keys: string[]): Promise<void> {
    await ensureContainer(this.containerClient);
    await Promise.all(
      keys.map(async (key) => {
        try {
          await this.containerClient.getBlobClient(stateBlobName(key)).deleteIfExists();
        } catch (error) {
          throw toStorageError(error, 'conversation state was not deleted');
        }
      }),
    );
  }

  private async readOne(key: string): Promise<StoreItem | undefined> {
    let text: string;
    let eTag: string | undefined;
    try {
      const response = await this.containerClient.getBlobClient(stateBlobName(key)).download();
      eTag = response.etag;
      text = (await readBody(response.readableStreamBody)).toString('utf8');
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toStorageError(error, 'cannot read conversation state');
    }
    try {
      return { ...(JSON.parse(text) as object), eTag };
    } catch (error) {
      throw new AppError('RECORD_UNREADABLE', 'conversation state is not valid JSON', { cause: error });
    }
  }

  private async writeOne(key: string, change: StoreItem): Promise<void> {
    const { eTag, ...item } = change;
    const body = JSON.stringify(item);
    const conditions = typeof eTag === 'string' && eTag !== '*' ? { ifMatch: eTag } : {};
    try {
      await this.containerClient
        .getBlockBlobClient(stateBlobName(key))
        .upload(body, Buffer.byteLength(body), { conditions, blobHTTPHeaders: JSON_HEADERS });
    } catch (error) {
      const status = statusOf(error);
      // If-Match on a blob that is gone answers 404 on some service versions and 412 on others: both lost the race.
      if (status === 412 || (conditions.ifMatch !== undefined && status === 404)) {
        throw new AppError('RECORD_CONFLICT', `Storage: error writing "${key}" due to eTag conflict.`, { cause: error });
      }
      throw toStorageError(error, 'conversation state was not written');
    }
  }
}

/**
 * botbuilder-azure-blobs 4.23.3 `sanitizeBlobKey` (lib/sanitizeBlobKey.js), so state written before this class is
 * found again: empty segments dropped (a leading `/` kept), `/` joined without a separator past the 255th segment,
 * then `encodeURIComponent` and the first 1,024 characters.
 */
export function stateBlobName(key: string): string {
  if (!key) throw new AppError('RECORD_ID_INVALID', 'a conversation state key is empty');
  const parts = key.split('/');
  let joined = parts[0];
  for (let i = 1; i < parts.length; i++) if (parts[i]) joined += (i < MAX_SEGMENTS ? '/' : '') + parts[i];
  return encodeURIComponent(joined).slice(0, MAX_BLOB_NAME);
}
