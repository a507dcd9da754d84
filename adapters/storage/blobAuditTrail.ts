import { randomBytes } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { AppError } from '../../services/errors';
import { silentLogger, type Logger } from '../../services/logger';
import { assertAuditEvent, parseAuditLines, toStoredEvent } from './auditEventGuard';
import { ensureContainer, readBody, serviceCodeOf, statusOf } from './blobSupport';

export interface BlobAuditTrailOptions {
  readonly containerClient: ContainerClient;
  /** Blob name prefix of the trail, e.g. `audit/`. */
  readonly prefix: string;
  readonly logger?: Logger;
  /** This process's shard name; default a random one per process (instances never share an append blob). */
  readonly instance?: string;
}

const TRAIL_SUFFIX = '.jsonl';
const HOUR_MS = 3_600_000;

/**
 * Append Blobs, one JSON line per `appendBlock`; each block is committed atomically, so lines never interleave.
 * Azure caps an append blob at 50,000 committed blocks and one blob at about 3,000 requests per second
 * (https://learn.microsoft.com/azure/storage/blobs/scalability-targets), and refuses the 50,001st append with
 * 409 `BlockCountExceedsLimit` (https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes).
 * One blob per day held about 5,500 closures (issue 19); so the trail is sharded by hour and by instance,
 * `<prefix><day>/<hour>/<instance>-<n>.jsonl`, and a full shard rolls over to `n + 1`: no ceiling per day, and
 * no two instances on one blob. Reading merges the shards by event time. Days written before the shards
 * (`<prefix><day>.jsonl`) are read too.
 */
export class BlobAuditTrail implements AuditTrail {
  private readonly containerClient: ContainerClient;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly instance: string;
  /** Per hour shard: the roll-over number in use. */
  private readonly rollOver = new Map<string, number>();
  private readonly blobsReady = new Map<string, Promise<unknown>>();

  constructor(options: BlobAuditTrailOptions) {
    this.containerClient = options.containerClient;
    this.prefix = options.prefix;
    this.logger = (options.logger ?? silentLogger).child('storage:blobAuditTrail');
    this.instance = options.instance ?? randomBytes(6).toString('hex');
  }

  async append(event: AuditEvent): Promise<void> {
    await this.appendAll([event]);
  }

  /**
   * The events' lines in one `appendBlock` per hour shard they fall in (one, but for a turn across the hour): a block
   * is committed whole, so a turn's events are written all or none.
   */
  async appendAll(events: readonly AuditEvent[]): Promise<void> {
    for (const event of events) assertAuditEvent(event);
    const byHour = new Map<string, string>();
    for (const event of events) {
      const iso = new Date(event.at).toISOString();
      const hour = `${this.prefix}${iso.slice(0, 10)}/${iso.slice(11, 13)}/`;
      byHour.set(hour, `${byHour.get(hour) ?? ''}${JSON.stringify(toStoredEvent(event))}\n`);
    }
    if (byHour.size === 0) return;
    await ensureContainer(this.containerClient);
    for (const [hour, lines] of byHour) await this.appendLines(hour, lines);
  }

  private async appendLines(hour: string, lines: string): Promise<void> {
    // A full shard rolls over; a shard removed behind our back (retention, clean-up) is made again. Bounded.
    for (let attempt = 0; attempt < 4; attempt++) {
      const blobName = `${hour}${this.instance}-${this.rollOver.get(hour) ?? 0}${TRAIL_SUFFIX}`;
      try {
        await this.ensureBlob(blobName);
        await this.containerClient.getAppendBlobClient(blobName).appendBlock(lines, Buffer.byteLength(lines));
        return;
      } catch (error) {
        if (serviceCodeOf(error) === 'BlockCountExceedsLimit') {
          this.rollOver.set(hour, (this.rollOver.get(hour) ?? 0) + 1);
          this.logger.info('an audit shard is full; appending to the next one', { blob: blobName });
        } else if (statusOf(error) === 404) this.blobsReady.delete(blobName);
        else throw unavailable(error, `cannot append to "${blobName}"`);
        if (attempt === 3) throw unavailable(error, `cannot append to "${blobName}"`);
      }
    }
  }

  async readAll(options: { readonly since?: Date } = {}): Promise<AuditEvent[]> {
    await ensureContainer(this.containerClient);
    const since = options.since?.getTime();
    const events: AuditEvent[] = [];
    try {
      for (const prefix of this.dayPrefixes(since)) {
        const names: string[] = [];
        for await (const item of this.containerClient.listBlobsFlat({ prefix })) {
          if (item.name.endsWith(TRAIL_SUFFIX) && (since === undefined || this.mayHoldSince(item.name, since))) names.push(item.name);
        }
        for (const name of names.sort()) {
          const response = await this.containerClient.getBlobClient(name).download();
          const text = (await readBody(response.readableStreamBody)).toString('utf8');
          events.push(...parseAuditLines(text, name, (source) => this.logger.warn('skipping a torn last audit line', { blob: source })));
        }
      }
    } catch (error) {
      throw unavailable(error, `cannot read the audit trail under "${this.prefix}"`);
    }
    // Shards of one hour hold several instances' events: a stable sort by time keeps each shard's own order.
    return events
      .map((event, index) => ({ event, index }))
      .sort((a, b) => a.event.at.localeCompare(b.event.at) || a.index - b.index)
      .map(({ event }) => event);
  }

  /** The whole trail, or one prefix per day from `since` to now (the old day blob shares its day's prefix). */
  private dayPrefixes(since: number | undefined): string[] {
    if (since === undefined) return [this.prefix];
    const prefixes: string[] = [];
    const today = Date.now() + 24 * HOUR_MS;
    for (let day = Math.floor(since / (24 * HOUR_MS)) * 24 * HOUR_MS; day <= today; day += 24 * HOUR_MS)
      prefixes.push(`${this.prefix}${new Date(day).toISOString().slice(0, 10)}`);
    return prefixes;
  }

  /** Whether a blob's day or hour can hold events at or after `since`. */
  private mayHoldSince(name: string, since: number): boolean {
    const rest = name.slice(this.prefix.length);
    const hour = /^(\d{4}-\d{2}-\d{2})\/(\d{2})\//.exec(rest);
    if (!hour) return true;
    return Date.parse(`${hour[1]}T${hour[2]}:00:00.000Z`) + HOUR_MS > since;
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

/** Whatever the trail's store answers, it is never a conflict of the person's doing: STORAGE_UNAVAILABLE. */
function unavailable(error: unknown, detail: string): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  const code = serviceCodeOf(error);
  return new AppError(
    'STORAGE_UNAVAILABLE',
    `${detail} (${status === undefined ? 'network error' : `HTTP ${status}`}${code ? ` ${code}` : ''})`,
    {
      cause: error,
    },
  );
}
