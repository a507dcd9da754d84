import { createHash } from 'node:crypto';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { AppError, isAppError } from '../../services/errors';
import type { Logger } from '../../services/logger';
import { FileRecordStore } from '../../adapters/storage/fileRecordStore';

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

/**
 * Bot state on disk for `STORAGE=file`, with botbuilder `MemoryStorage` semantics: a missing or `*` eTag
 * overwrites, any other eTag must match the stored one or the write throws. Keys (channel, conversation and
 * user ids with `/`, `:`, `@`) become SHA-256 file names. Built on `FileRecordStore`, so writes are atomic and
 * eTag checks hold across processes on one host among writes that carry an eTag; a `*` write takes no lock and is
 * not ordered against those in another process (see `FileRecordStore.overwrite`). botbuilder's BotState writes
 * every save with `*` (botbuilder-core botState.js, `saveChanges`), so its state never mixes the two. Writes are not
 * flushed to disk (`durable: false`): closure requests and the audit, which guard and record the irreversible step,
 * keep their fsync in their own stores.
 */
export class FileStorage implements Storage {
  private readonly records: FileRecordStore<StoredItem>;

  constructor(options: FileStorageOptions) {
    this.records = new FileRecordStore<StoredItem>({
      dir: options.dir,
      logger: options.logger,
      // No fsync (issue 22: it was most of a file-storage turn's cost): the atomic rename stays, so a process crash
      // loses nothing; a power loss may lose the last seconds of conversation state, and the conversation starts over.
      durable: false,
    });
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
      // `*` or none: last writer wins, so nothing is read first and no lock is taken (issue 14 counted both).
      if (eTag === undefined || eTag === '*') await this.records.overwrite(fileIdOf(key), value);
      else await this.writeIfMatch(key, value, eTag);
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.records.delete(fileIdOf(key));
  }

  private async writeIfMatch(key: string, value: StoredItem, eTag: string): Promise<void> {
    try {
      // Like MemoryStorage: an item that is not stored yet is written whatever eTag it carries.
      await this.records.replaceOrCreate(fileIdOf(key), value, eTag);
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
