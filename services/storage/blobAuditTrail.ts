import type { ContainerClient } from '@azure/storage-blob';
import type { AuditEvent, AuditTrail } from '../auditTrail';
import { silentLogger, type Logger } from '../logger';
import { assertAuditEvent, parseAuditLines, toStoredEvent } from './auditEventGuard';
import { ensureContainer, readBody, statusOf, toStorageError } from './blobSupport';

export interface BlobAuditTrailOptions {
  readonly containerClient: ContainerClient;
  /** Blob name prefix of the trail, e.g. `audit/`. */
  readonly prefix: string;
  readonly logger?: Logger;
}

const TRAIL_SUFFIX = '.jsonl';

/**
 * Append Blobs, one JSON line per `appendBlock`; each block is committed atomically, so concurrent instances
 * never interleave lines. An append blob holds at most 50,000 blocks, so there is one blob per UTC day of the
 * event's time (`<prefix>2025-01-31.jsonl`), which also keeps `readAll` in time order by blob name.
 * https://learn.microsoft.com/rest/api/storageservices/append-block#remarks
 */
export class BlobAuditTrail implements AuditTrail {
  private readonly containerClient: ContainerClient;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly blobsReady = new Map<string, Promise<unknown>>();

  constructor(options: BlobAuditTrailOptions) {
    this.containerClient = options.containerClient;
    this.prefix = options.prefix;
    this.logger = (options.logger ?? silentLogger).child('storage:blobAuditTrail');
  }

  async append(event: AuditEvent): Promise<void> {
    assertAuditEvent(event);
    const line = `${JSON.stringify(toStoredEvent(event))}\n`;
    const blobName = `${this.prefix}${new Date(event.at).toISOString().slice(0, 10)}${TRAIL_SUFFIX}`;
    await ensureContainer(this.containerClient);
    const blob = this.containerClient.getAppendBlobClient(blobName);
    try {
      await this.ensureBlob(blobName);
      await blob.appendBlock(line, Buffer.byteLength(line));
    } catch (error) {
      if (statusOf(error) !== 404) throw toStorageError(error, `cannot append to "${blobName}"`);
      // The blob was removed behind our back (retention, manual clean-up): create it again, once.
      this.blobsReady.delete(blobName);
      try {
        await this.ensureBlob(blobName);
        await blob.appendBlock(line, Buffer.byteLength(line));
      } catch (retryError) {
        throw toStorageError(retryError, `cannot append to "${blobName}"`);
      }
    }
  }

  async readAll(): Promise<AuditEvent[]> {
    await ensureContainer(this.containerClient);
    const events: AuditEvent[] = [];
    try {
      const names: string[] = [];
      for await (const item of this.containerClient.listBlobsFlat({ prefix: this.prefix })) {
        if (item.name.endsWith(TRAIL_SUFFIX)) names.push(item.name);
      }
      for (const name of names.sort()) {
        const response = await this.containerClient.getBlobClient(name).download();
        const text = (await readBody(response.readableStreamBody)).toString('utf8');
        events.push(...parseAuditLines(text, name, (source) => this.logger.warn('skipping a torn last audit line', { blob: source })));
      }
    } catch (error) {
      throw toStorageError(error, `cannot read the audit trail under "${this.prefix}"`);
    }
    return events;
  }

  private ensureBlob(blobName: string): Promise<unknown> {
    let ready = this.blobsReady.get(blobName);
    if (!ready) {
      ready = this.containerClient
        .getAppendBlobClient(blobName)
        .createIfNotExists({ blobHTTPHeaders: { blobContentType: 'application/x-ndjson' } })
        .catch((error: unknown) => {
          this.blobsReady.delete(blobName);
          throw error;
        });
      this.blobsReady.set(blobName, ready);
    }
    return ready;
  }
}
