import { createHash } from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { isAppError } from '../../services/errors';
import type { RecordStore } from '../../services/recordStore';

/** What is kept per Teams `signin/tokenExchange` id: only when it was first seen (no token, no user). */
export interface TokenExchangeMark {
  readonly seenAt: string;
}

export interface TeamsSsoDedupeStorageOptions {
  /** The shared durable store (`STORAGE`: memory, file or blob), so every instance sees the same marks. */
  readonly records: RecordStore<TokenExchangeMark>;
  readonly clock: () => Date;
  /** How long a mark is kept: Teams sends its duplicate invokes within seconds of each other. */
  readonly keepMs: number;
}

/**
 * The `Storage` given to botbuilder's `TeamsSSOTokenExchangeMiddleware`. The middleware dedupes by writing
 * `{ eTag: value.id }` under `msteams/{conversation}/{value.id}` and treats an "eTag conflict" as "another
 * instance already took this exchange". That relies on MemoryStorage's rule that a new key is written whatever
 * its eTag; BlobsStorage 4.23.3 sends `If-Match` instead, which fails for a blob that does not exist yet, so
 * every exchange would be dropped (botbuilder-dotnet#6861, botbuilder-js#4800). Here a write is a create-only
 * record write (Blob Storage: `If-None-Match: *`): exactly one writer per key wins, on one instance or many.
 */
export class TeamsSsoDedupeStorage implements Storage {
  constructor(private readonly options: TeamsSsoDedupeStorageOptions) {}

  async read(_keys: string[]): Promise<StoreItems> {
    // The middleware never reads; nothing personal is kept to be read back.
    return {};
  }

  async write(changes: StoreItems): Promise<void> {
    for (const key of Object.keys(changes)) {
      try {
        await this.options.records.create(recordIdOf(key), { seenAt: this.options.clock().toISOString() });
      } catch (error) {
        if (!isAppError(error, 'RECORD_CONFLICT')) throw error;
        // The middleware recognises exactly this wording (teamsSSOTokenExchangeMiddleware.ts) and answers 200.
        throw new Error(`Storage: error writing "${key}" due to eTag conflict.`, { cause: error });
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await this.options.records.delete(recordIdOf(key));
  }

  /**
   * Drops marks older than `keepMs`; returns how many. Run by the background timer. Streamed (`scan`, one page at a
   * time), so a burst of Teams sign-ins never has the sweep hold every mark at once. A mark it cannot read is left
   * (as the retention sweep leaves a record): it cannot tell how old it is.
   */
  async sweep(): Promise<number> {
    const cutoff = this.options.clock().getTime() - this.options.keepMs;
    let dropped = 0;
    for await (const page of this.options.records.scan()) {
      for (const { id, record } of page) {
        if (!record || Date.parse(record.value.seenAt) > cutoff) continue;
        await this.options.records.delete(id);
        dropped += 1;
      }
    }
    return dropped;
  }
}

/** Keys hold channel and conversation ids (`:`, `@`, `/`); record ids are a safe alphabet, so the key is hashed. */
function recordIdOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
