import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { silentLogger, type Logger } from '../../services/logger';
import { assertAuditEvent, parseAuditLines, storedLine } from './auditEventGuard';
import { errnoCode, unavailable } from './fsErrors';

export interface JsonlAuditTrailOptions {
  /** The JSON-lines file; it and its directory are created on first append. */
  readonly file: string;
  readonly logger?: Logger;
}

/**
 * An append-only JSON-lines file. Each event is one `write` on a descriptor opened with O_APPEND, which the
 * kernel positions at the end atomically, so writers in several processes on one host never interleave lines
 * (the guard keeps events far below the size where a write could be split). The descriptor is opened once and
 * kept while appends keep coming: `appendFile` per event opened and closed the file every time (issue 14 counted
 * 65 opens per closure). It is closed after `IDLE_CLOSE_MS` without an append, so an idle trail holds no descriptor
 * (and one moved aside by an operator is reopened by name). Like `appendFile` it does not fsync; what a crash can
 * lose is the last line, which `readAll` skips when torn.
 */
const IDLE_CLOSE_MS = 2_000;

export class JsonlAuditTrail implements AuditTrail {
  private readonly file: string;
  private readonly logger: Logger;
  /** Whether an open already found or made the folder: a later re-creation means it was deleted meanwhile. */
  private dirSeen = false;
  private handle: Promise<FileHandle> | undefined;
  private appending = 0;
  /** One timer for the trail's life, pushed back (`refresh`, no new timer) on every append. */
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: JsonlAuditTrailOptions) {
    this.file = options.file;
    this.logger = (options.logger ?? silentLogger).child('storage:jsonlAuditTrail');
  }

  async append(event: AuditEvent): Promise<void> {
    await this.appendAll([event]);
  }

  /** The events' lines in one write: one append (O_APPEND) of them all. */
  async appendAll(events: readonly AuditEvent[]): Promise<void> {
    for (const event of events) assertAuditEvent(event);
    if (events.length === 0) return;
    const line = events.map((event) => `${storedLine(event)}\n`).join('');
    this.appending += 1;
    try {
      const handle = await this.openOnce();
      try {
        await handle.write(line, null, 'utf8');
      } catch (error) {
        // A descriptor that failed once is not trusted again: the next append reopens the file.
        this.closeHandle();
        throw unavailable(`cannot append to "${this.file}"`, error);
      }
    } finally {
      this.appending -= 1;
      if (this.idleTimer) this.idleTimer.refresh();
      else this.idleTimer = setTimeout(() => this.closeIfIdle(), IDLE_CLOSE_MS).unref();
    }
  }

  private closeIfIdle(): void {
    if (this.appending > 0) {
      this.idleTimer?.refresh();
      return;
    }
    this.idleTimer = undefined;
    this.closeHandle();
  }

  private closeHandle(): void {
    const handle = this.handle;
    this.handle = undefined;
    handle
      ?.then((open) => open.close())
      .catch((error: unknown) => this.logger.warn('could not close the audit file', { file: this.file, error }));
  }

  private openOnce(): Promise<FileHandle> {
    this.handle ??= (async () => {
      // On every open, not once: the folder may have been deleted while the bot runs (a demo reset by hand). An
      // append to a file deleted while it is open is not seen until the next open, at most IDLE_CLOSE_MS after the
      // last append.
      let created: string | undefined;
      try {
        created = await mkdir(dirname(this.file), { recursive: true });
      } catch (error) {
        throw unavailable(`cannot create the directory of "${this.file}"`, error);
      }
      if (created !== undefined && this.dirSeen)
        this.logger.warn(`audit folder of "${this.file}" had disappeared; created it again, earlier events are gone`);
      this.dirSeen = true;
      try {
        return await open(this.file, 'a');
      } catch (error) {
        throw unavailable(`cannot append to "${this.file}"`, error);
      }
    })().catch((error: unknown) => {
      this.handle = undefined;
      throw error;
    });
    return this.handle;
  }

  /** One file on one host (STORAGE=file): read whole, then filtered by `since`. */
  async readAll(options: { readonly since?: Date } = {}): Promise<AuditEvent[]> {
    const since = options.since?.getTime();
    const events = await this.readFile();
    return since === undefined ? events : events.filter((event) => Date.parse(event.at) >= since);
  }

  private async readFile(): Promise<AuditEvent[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw unavailable(`cannot read "${this.file}"`, error);
    }
    return parseAuditLines(text, this.file, (source) => this.logger.warn('skipping a torn last audit line', { file: source }));
  }
}
