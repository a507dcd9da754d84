import type { Storage, StoreItems } from 'botbuilder';
import type { Logger } from '../../services/logger';

/**
 * The bot's conversation-state store, built again after a failure. botbuilder-azure-blobs 4.23.3's `BlobsStorage`
 * makes its container once (`_initialize`: `this._initializePromise ??= containerClient.createIfNotExists()`,
 * lib/blobsStorage.js) and keeps that promise even when it rejected, so an instance whose first state call met a
 * storage blip failed every later turn ("Sorry, something went wrong") until restarted, while /healthz said 200
 * (issue 19). This wrapper drops an instance after any failure but a lost eTag race (the store answered, a turn
 * lost), so the next turn builds a fresh one and heals as soon as the storage answers again.
 */
export class RecoveringStorage implements Storage {
  private current: Storage | undefined;

  constructor(
    private readonly create: () => Storage,
    private readonly logger: Logger,
  ) {}

  read(keys: string[]): Promise<StoreItems> {
    return this.call('read', (storage) => storage.read(keys));
  }

  write(changes: StoreItems): Promise<void> {
    return this.call('write', (storage) => storage.write(changes));
  }

  delete(keys: string[]): Promise<void> {
    return this.call('delete', (storage) => storage.delete(keys));
  }

  private async call<T>(operation: string, work: (storage: Storage) => Promise<T>): Promise<T> {
    const storage = (this.current ??= this.create());
    try {
      return await work(storage);
    } catch (error) {
      if (!isEtagConflict(error) && this.current === storage) {
        this.current = undefined;
        this.logger.warn('conversation state storage failed; the next call starts from a fresh client', { operation, error });
      }
      throw error;
    }
  }
}

/** 412 (If-Match) or 409 (If-None-Match: *): the store answered; the caller lost a race, nothing is broken. */
function isEtagConflict(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return status === 412 || status === 409;
}
