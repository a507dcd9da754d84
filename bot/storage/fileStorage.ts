import { createHash } from 'node:crypto';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { AppError, isAppError } from '../../services/errors';
import { silentLogger, type Logger } from '../../services/logger';
import type { RecordStore } from '../../services/recordStore';
import { FileRecordStore } from '../../services/storage/fileRecordStore';

export interface FileStorageOptions {
  /** Directory holding one JSON file per key. */
  readonly dir: string;
  readonly logger?: Logger;
}

/** What one file holds: the original key (for support) and the item without its eTag. */
interface StoredItem {
  readonly key: string;
  readonly item: StoreItem;
}

/** Upserts (`eTag` `*` or none) re-read and retry when another writer slips in; this bounds that loop. */
const MAX_UPSERT_ATTEMPTS = 10;

/**
 * Bot state on disk for `STORAGE=file`, with botbuilder `MemoryStorage` semantics: a missing or `*` eTag
 * overwrites, any other eTag must match the stored one or the write throws. Keys (channel, conversation and
 * user ids with `/`, `:`, `@`) become SHA-256 file names. Built on `FileRecordStore`, so writes are atomic and
 * eTag checks hold across processes on one host.
 */
export class FileStorage implements Storage {
  private readonly records: RecordStore<StoredItem>;

  constructor(options: FileStorageOptions) {
    this.records = new FileRecordStore<StoredItem>({ dir: options.dir, logger: (options.logger ?? silentLogger).child('bot:fileStorage') });
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const stored = await this.records.get(fileIdOf(key));
      if (stored) items[key] = { ...stored.value.item, eTag: stored.etag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, change] of Object.entries(changes)) {
      const { eTag, ...item } = change as StoreItem;
      const value: StoredItem = { key, item };
      if (eTag === undefined || eTag === '*') await this.upsert(key, value);
      else await this.writeIfMatch(key, value, eTag);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.records.delete(fileIdOf(key));
  }

  private async upsert(key: string, value: StoredItem): Promise<void> {
    const id = fileIdOf(key);
    for (let attempt = 1; ; attempt++) {
      const current = await this.records.get(id);
      try {
        if (current) await this.records.replace(id, value, current.etag);
        else await this.records.create(id, value);
        return;
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT') || attempt >= MAX_UPSERT_ATTEMPTS) throw error;
      }
    }
  }

  private async writeIfMatch(key: string, value: StoredItem, eTag: string): Promise<void> {
    const id = fileIdOf(key);
    const current = await this.records.get(id);
    // Like MemoryStorage: an item that is not stored yet is written whatever eTag it carries.
    if (!current) return this.upsert(key, value);
    if (current.etag !== eTag) throw conflict(key);
    try {
      await this.records.replace(id, value, eTag);
    } catch (error) {
      throw isAppError(error, 'RECORD_CONFLICT') ? conflict(key, error) : error;
    }
  }
}

function fileIdOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function conflict(key: string, cause?: unknown): AppError {
  return new AppError('RECORD_CONFLICT', `Storage: error writing "${key}" due to eTag conflict.`, { cause });
}
