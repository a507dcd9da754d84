import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import type { Logger } from '../../services/logger';

/**
 * Conversation state of idle conversations expires: nothing else ever deletes it (a state file or blob per
 * conversation, forever: 42k files after 40k hellos). A conversation idle for longer than the TTL starts over.
 * Swept on the background timer, but at most once per `SWEEP_EVERY_MS`: a sweep walks every state item.
 */
export interface StateExpiry {
  /** Deletes state not written for the TTL; returns how many items went. A no-op until the next sweep is due. */
  sweep(): Promise<number>;
}

export interface StateExpiryOptions {
  readonly ttlMs: number;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** One walk over the state per hour is plenty for a TTL counted in days. */
export const SWEEP_EVERY_MS = 60 * 60_000;

abstract class ThrottledSweep implements StateExpiry {
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(protected readonly options: StateExpiryOptions) {}

  async sweep(): Promise<number> {
    const now = this.options.clock().getTime();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return 0;
    this.lastSweep = now;
    const removed = await this.removeOlderThan(new Date(now - this.options.ttlMs));
    if (removed > 0) this.options.logger.info('expired idle conversation state', { removed, ttlHours: this.options.ttlMs / 3_600_000 });
    return removed;
  }

  protected abstract removeOlderThan(cutoff: Date): Promise<number>;
}

/** `STORAGE=file`: one `<sha256>.json` per state key (bot/storage/fileStorage.ts); the file's mtime is its last write. */
export class FileStateExpiry extends ThrottledSweep {
  constructor(
    private readonly dir: string,
    options: StateExpiryOptions,
  ) {
    super(options);
  }

  protected async removeOlderThan(cutoff: Date): Promise<number> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    let removed = 0;
    for (const name of names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n))) {
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info || info.mtime >= cutoff) continue;
      await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      removed += 1;
    }
    return removed;
  }
}

/** State blobs per List Blobs page: a sweep holds one page of names at a time (the service allows up to 5,000). */
export const STATE_LIST_PAGE_SIZE = 1_000;

/**
 * `STORAGE=blob`: BlobStateStorage names a state blob `encodeURIComponent(key)` (`stateBlobName`, as
 * botbuilder-azure-blobs' sanitizeBlobKey.js did), so a state key `<channel>/conversations/<id>/users/<id>` is one blob name without `/`; the
 * records and the audit trail in the same container all live under `<kind>/` prefixes and are never touched.
 * The sweep lists only the container's top level (`delimiter=/`: each `<kind>/` comes back as one prefix, not as its
 * blobs), so it does not walk every closure request and audit shard ever written, in pages of `pageSize`.
 * The delete is conditional on the blob not having changed since the cutoff, so a conversation that woke up wins.
 * https://learn.microsoft.com/rest/api/storageservices/enumerating-blob-resources#delimited-list-of-blobs
 */
export class BlobStateExpiry extends ThrottledSweep {
  constructor(
    private readonly container: ContainerClient,
    options: StateExpiryOptions,
    private readonly pageSize = STATE_LIST_PAGE_SIZE,
  ) {
    super(options);
  }

  protected async removeOlderThan(cutoff: Date): Promise<number> {
    let removed = 0;
    for await (const page of this.container.listBlobsByHierarchy('/').byPage({ maxPageSize: this.pageSize })) {
      for (const blob of page.segment.blobItems) {
        if (!isStateBlobName(blob.name) || blob.properties.lastModified >= cutoff) continue;
        const result = await this.container
          .getBlobClient(blob.name)
          .deleteIfExists({ conditions: { ifUnmodifiedSince: cutoff } })
          .catch((error: { statusCode?: number }) => {
            // 412: written since the listing; it is not idle any more.
            if (error.statusCode === 412) return { succeeded: false };
            throw error;
          });
        if (result.succeeded) removed += 1;
      }
    }
    return removed;
  }
}

export function isStateBlobName(name: string): boolean {
  return !name.includes('/') && /%2Fconversations%2F.+%2Fusers%2F/.test(name);
}
