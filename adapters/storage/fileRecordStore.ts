import { createHash, randomUUID } from 'node:crypto';
import type { Dir } from 'node:fs';
import { mkdir, opendir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isAppError } from '../../services/errors';
import { silentLogger, type Logger } from '../../services/logger';
import { DEFAULT_SCAN_PAGE_SIZE, type RecordStore, type ScannedRecord, type StoredRecord } from '../../services/recordStore';
import { readWholeFile, writeFileAtomic } from './atomicFile';
import { queuedInProcess, withFileLock } from './fileLock';
import { errnoCode, unavailable } from './fsErrors';
import { assertRecordId } from './recordId';

/** A crashed writer's lock is broken after this long; a live one holds it for milliseconds. */
export const DEFAULT_LOCK_STALE_AFTER_MS = 10_000;
/** Longer than the stale bound, so a waiter outlasts a crashed holder's lock before it gives up. */
export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;

export interface FileRecordStoreOptions {
  /** Directory holding one `<id>.json` per record; created on first write. */
  readonly dir: string;
  readonly logger?: Logger;
  /** Default `DEFAULT_LOCK_STALE_AFTER_MS`. */
  readonly lockStaleAfterMs?: number;
  /** Default `DEFAULT_LOCK_TIMEOUT_MS`. */
  readonly lockTimeoutMs?: number;
  /** Wall clock in ms, for judging lock age against file mtimes. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * Whether each write is flushed to disk before its rename (default true: closure requests, locks, marks, export
   * jobs). False for what only a power loss could lose and losing costs little (conversation state: the
   * conversation starts over); a file a power loss left empty or torn then reads as no record (`writeFileAtomic`).
   */
  readonly durable?: boolean;
}

/** On disk: the value plus a per-write id, so rewriting the same value still changes the content hash (no ABA). */
interface RecordFile<T> {
  readonly writeId: string;
  readonly value: T;
}

const RECORD_SUFFIX = '.json';

/**
 * One JSON file per record. The eTag is a hash of the file's bytes; every mutation runs under a per-record lock
 * file, so compare-and-swap holds between processes on one host, and writes are atomic (temp file + rename).
 */
export class FileRecordStore<T> implements RecordStore<T> {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly lockOptions: Parameters<typeof withFileLock>[1];
  /** Whether a write already found or made the folder: a later re-creation means it was deleted meanwhile. */
  private dirSeen = false;
  private readonly durable: boolean;

  constructor(options: FileRecordStoreOptions) {
    this.dir = options.dir;
    this.logger = (options.logger ?? silentLogger).child('storage:fileRecordStore');
    this.durable = options.durable ?? true;
    this.lockOptions = {
      staleAfterMs: options.lockStaleAfterMs ?? DEFAULT_LOCK_STALE_AFTER_MS,
      timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      now: options.now ?? Date.now,
      logger: this.logger,
      createFolder: () => this.createFolder(),
    };
  }

  async get(id: string): Promise<StoredRecord<T> | undefined> {
    assertRecordId(id);
    return this.readRecord(id);
  }

  async create(id: string, value: T): Promise<string> {
    assertRecordId(id);
    return this.mutate(id, async () => {
      if (await this.readRecord(id)) throw new AppError('RECORD_CONFLICT', `record "${id}" already exists`);
      return this.writeRecord(id, value);
    });
  }

  async replace(id: string, value: T, etag: string): Promise<string> {
    assertRecordId(id);
    return this.mutate(id, async () => {
      const current = await this.readRecord(id);
      if (!current || current.etag !== etag) {
        throw new AppError('RECORD_CONFLICT', `record "${id}" ${current ? 'changed since it was read' : 'no longer exists'}`);
      }
      return this.writeRecord(id, value);
    });
  }

  /**
   * Writes `value` whatever is stored (or nothing), for last-writer-wins callers (botbuilder state, eTag `*`): no
   * read and no lock file (issue 14: the lock file's create and unlink were a third of a state write's cost). It is
   * atomic all the same (temp file + rename: readers and later writes see it whole or not at all), and queued in
   * this process behind the record's other writes. What it gives up: across processes it is not ordered against a
   * compare-and-swap (`replace`, `replaceOrCreate`) of the same record, which may then win without a conflict. No
   * caller mixes the two on one record: botbuilder's BotState writes only `*`, and the records written by
   * compare-and-swap (closure requests, marks, locks, export jobs) are never overwritten.
   */
  async overwrite(id: string, value: T): Promise<string> {
    assertRecordId(id);
    return queuedInProcess(this.lockPathOf(id), async () => {
      let etag: string;
      try {
        etag = await this.writeRecord(id, value);
      } catch (error) {
        if (errnoCode((error as { cause?: unknown }).cause) !== 'ENOENT') throw error;
        // The folder is missing (first write, or deleted while the bot runs): made, then written once more.
        await this.createFolder();
        etag = await this.writeRecord(id, value);
      }
      this.dirSeen = true;
      return etag;
    });
  }

  /**
   * Replaces the record if its eTag is still `etag`, or creates it if there is none: one read under the lock
   * where `get` then `replace` took two (botbuilder `MemoryStorage` semantics for a new item with any eTag).
   */
  async replaceOrCreate(id: string, value: T, etag: string): Promise<string> {
    assertRecordId(id);
    return this.mutate(id, async () => {
      const current = await this.readRecord(id);
      if (current && current.etag !== etag) throw new AppError('RECORD_CONFLICT', `record "${id}" changed since it was read`);
      return this.writeRecord(id, value);
    });
  }

  async list(): Promise<Array<StoredRecord<T> & { readonly id: string }>> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw unavailable(`cannot list "${this.dir}"`, error);
    }
    const records: Array<StoredRecord<T> & { readonly id: string }> = [];
    for (const name of names) {
      if (name.startsWith('.') || !name.endsWith(RECORD_SUFFIX)) continue;
      const id = name.slice(0, -RECORD_SUFFIX.length);
      // Deleted between readdir and read: it is simply not part of the listing.
      const record = await this.readRecord(id);
      if (record) records.push({ id, ...record });
    }
    return records;
  }

  /**
   * Streams the folder (`opendir` reads its entries in batches, never the whole listing at once) and reads at most
   * `pageSize` records per page: a walk over 100,000 records holds one page (docs/scaling.md).
   */
  async *scan(pageSize = DEFAULT_SCAN_PAGE_SIZE): AsyncIterable<ReadonlyArray<ScannedRecord<T>>> {
    let dir: Dir;
    try {
      dir = await opendir(this.dir, { bufferSize: Math.min(pageSize, 1024) });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return;
      throw unavailable(`cannot list "${this.dir}"`, error);
    }
    let page: Array<ScannedRecord<T>> = [];
    // `for await` closes the directory handle when the loop ends, by completion, error or an early return.
    for await (const entry of dir) {
      const name = entry.name;
      if (name.startsWith('.') || !name.endsWith(RECORD_SUFFIX)) continue;
      const id = name.slice(0, -RECORD_SUFFIX.length);
      try {
        // Deleted between listing and reading: it is simply not part of the walk.
        const record = await this.readRecord(id);
        if (record) page.push({ id, record });
      } catch (error) {
        if (!isAppError(error, 'RECORD_UNREADABLE')) throw error;
        page.push({ id, unreadable: error });
      }
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  async delete(id: string, etag?: string): Promise<void> {
    assertRecordId(id);
    // A record that is not there is deleted already, at the moment of this look: no lock to take (a closure deletes
    // an export job and its mark it never had, issue 14). One that is there is removed under the lock as before, so
    // a replace that read it cannot bring it back.
    if (!(await this.exists(id))) return;
    await this.mutate(id, async () => {
      if (etag !== undefined) {
        const current = await this.readRecord(id);
        if (current && current.etag !== etag)
          throw new AppError('RECORD_CONFLICT', `record "${id}" changed since it was read; not deleted`);
      }
      await unlink(this.pathOf(id)).catch((error: unknown) => {
        if (errnoCode(error) !== 'ENOENT') throw unavailable(`cannot delete record "${id}"`, error);
      });
    });
  }

  private async mutate<R>(id: string, fn: () => Promise<R>): Promise<R> {
    return withFileLock(this.lockPathOf(id), this.lockOptions, () => {
      this.dirSeen = true;
      return fn();
    });
  }

  /**
   * Called by the lock when the folder is missing, instead of a `mkdir -p` before every write (two operations per
   * write in the issue-14 count): the first write makes it, and a demo user who deletes the data folder while the
   * bot runs gets it back with a warning (issue 12).
   */
  private async createFolder(): Promise<void> {
    const created = await mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      throw unavailable(`cannot create "${this.dir}"`, error);
    });
    if (created !== undefined && this.dirSeen)
      this.logger.warn(`storage folder "${this.dir}" had disappeared; created it again, its earlier records are gone`);
    this.dirSeen = true;
  }

  private async exists(id: string): Promise<boolean> {
    try {
      await stat(this.pathOf(id));
      return true;
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw unavailable(`cannot look up record "${id}"`, error);
    }
  }

  private async readRecord(id: string): Promise<StoredRecord<T> | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readWholeFile(this.pathOf(id));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw unavailable(`cannot read record "${id}"`, error);
    }
    let file: RecordFile<T>;
    try {
      file = JSON.parse(bytes.toString('utf8')) as RecordFile<T>;
    } catch (error) {
      if (!this.durable) {
        // Only a power loss before the kernel wrote a non-durable file back leaves it torn: what it held is lost.
        this.logger.warn('a record torn by a power loss reads as none', { id, error });
        return undefined;
      }
      throw new AppError('RECORD_UNREADABLE', `record "${id}" is not valid JSON`, { cause: error });
    }
    return { value: file.value, etag: etagOf(bytes) };
  }

  private async writeRecord(id: string, value: T): Promise<string> {
    const file: RecordFile<T> = { writeId: randomUUID(), value };
    // Compact: nothing reads these by eye, and pretty-printing about doubled what is written, hashed and parsed.
    const text = `${JSON.stringify(file)}\n`;
    try {
      await writeFileAtomic(this.pathOf(id), text, this.logger, { durable: this.durable });
    } catch (error) {
      throw unavailable(`cannot write record "${id}"`, error);
    }
    return etagOf(Buffer.from(text, 'utf8'));
  }

  private lockPathOf(id: string): string {
    return join(this.dir, `.${id}.lock`);
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}${RECORD_SUFFIX}`);
  }
}

function etagOf(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}
