import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEvent, AuditTrail } from '../auditTrail';
import { silentLogger, type Logger } from '../logger';
import { assertAuditEvent, parseAuditLines, toStoredEvent } from './auditEventGuard';
import { errnoCode, unavailable } from './fsErrors';

export interface JsonlAuditTrailOptions {
  /** The JSON-lines file; it and its directory are created on first append. */
  readonly file: string;
  readonly logger?: Logger;
}

/**
 * An append-only JSON-lines file. Each event is one `write` on a descriptor opened with O_APPEND, which the
 * kernel positions at the end atomically, so writers in several processes on one host never interleave lines
 * (the guard keeps events far below the size where a write could be split).
 */
export class JsonlAuditTrail implements AuditTrail {
  private readonly file: string;
  private readonly logger: Logger;
  /** Whether a write already found or made the folder: a later re-creation means it was deleted meanwhile. */
  private dirSeen = false;

  constructor(options: JsonlAuditTrailOptions) {
    this.file = options.file;
    this.logger = (options.logger ?? silentLogger).child('storage:jsonlAuditTrail');
  }

  async append(event: AuditEvent): Promise<void> {
    assertAuditEvent(event);
    const line = `${JSON.stringify(toStoredEvent(event))}\n`;
    // Every time, not once: the folder may have been deleted while the bot runs (a demo reset by hand).
    const created = await mkdir(dirname(this.file), { recursive: true }).catch((error: unknown) => {
      throw unavailable(`cannot create the directory of "${this.file}"`, error);
    });
    if (created !== undefined && this.dirSeen) this.logger.warn(`audit folder of "${this.file}" had disappeared; created it again, earlier events are gone`);
    this.dirSeen = true;
    try {
      await appendFile(this.file, line, { encoding: 'utf8', flag: 'a' });
    } catch (error) {
      throw unavailable(`cannot append to "${this.file}"`, error);
    }
  }

  async readAll(): Promise<AuditEvent[]> {
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
