import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { SandboxError } from './errors';
import type { Logger } from './logger';

/**
 * The sandbox's persistence (issue 22): a snapshot (`state.json`) and an append log (`state.log`) of what changed
 * since, instead of rewriting the whole state on every change, which made each sign-in cost as much as the state
 * is large (sign-ins fell from ~40/s to ~6/s after ~6,000).
 * The collections that grow with use (issued tokens, sign-in sessions, magic codes, the token cache) are keyed
 * objects watched by a Proxy: every `state.x[key] = value` or `delete state.x[key]` is logged as that one key's new
 * value, so a write costs what it changed. Their values are replaced, never changed in place. Everything else (the
 * directory's tenants and users, exports, keys) is small and bounded by the seed: it is logged whole when it
 * changed. Loading replays the log over the snapshot; the log is folded into a new snapshot (temp file + rename,
 * then the log is emptied) when it has grown past twice the state's entries, at start-up and at stop, and at once
 * when a user is removed, so a purged user's data does not linger in the log. Replaying a log over a snapshot that
 * already holds it gives the same state (each line is a key's whole value), so a crash between the two is harmless.
 */
export const SNAPSHOT_FILE = 'state.json';
export const LOG_FILE = 'state.log';

/** A log this many lines long is always allowed before compaction is considered. */
const MIN_LINES_BEFORE_COMPACTION = 10_000;

type Keyed = Record<string, unknown>;
interface LogLine {
  /** A keyed collection's name, with `k` and its value `v` (no `v`: deleted), or `all` for the whole collection. */
  readonly c?: string;
  readonly k?: string;
  readonly v?: unknown;
  readonly all?: Keyed;
  /** The rest of the state, whole. */
  readonly rest?: Record<string, unknown>;
}

export interface JournalOptions<S extends object> {
  readonly dataDir: string;
  /** The collections that grow with use: keyed objects whose values are replaced, never changed in place. */
  readonly keyed: readonly (keyof S & string)[];
  /** True when the change from `before` to `after` (the rest) removed personal data: compacted at once. */
  readonly removesData: (before: Record<string, unknown>, after: Record<string, unknown>) => boolean;
  readonly logger: Logger;
}

export class StateJournal<S extends object> {
  /** Per keyed collection, the keys changed since the last write. `null`: the whole collection was replaced. */
  private readonly dirty = new Map<string, Set<string> | null>();
  private lastRest = '';
  private lastRestValue: Record<string, unknown> = {};
  private lines = 0;
  private entriesAtCompaction = 0;
  readonly state: S;

  constructor(
    state: S,
    private readonly options: JournalOptions<S>,
  ) {
    for (const name of options.keyed) (state as Keyed)[name] = this.watched(name, (state as Record<string, Keyed>)[name] ?? {});
    // Assigning a whole keyed collection (rather than its keys) is logged as the whole collection.
    this.state = new Proxy(state, {
      set: (target, name, value: unknown) => {
        if (typeof name === 'string' && options.keyed.includes(name as keyof S & string)) {
          (target as Keyed)[name] = this.watched(name, value as Keyed);
          this.dirty.set(name, null);
        } else (target as Keyed)[name as string] = value;
        return true;
      },
    });
  }

  /** Reads `state.json` and replays `state.log` over it; undefined when there is no snapshot. */
  static async load(dataDir: string, logger: Logger): Promise<Record<string, unknown> | undefined> {
    const file = path.join(dataDir, SNAPSHOT_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox state "${file}" cannot be read`, { cause: error });
    }
    let state: Record<string, unknown>;
    try {
      state = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new SandboxError('CONFIG_INVALID', `sandbox state "${file}" is not valid JSON; delete it to start from the seed again`, {
        cause: error,
      });
    }
    let log = '';
    try {
      log = await readFile(path.join(dataDir, LOG_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new SandboxError('STORAGE_UNAVAILABLE', 'sandbox state log cannot be read', { cause: error });
    }
    const all = log.split('\n').filter(Boolean);
    all.forEach((raw, i) => {
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        // Only the last line can be torn (a crash mid-append); it never finished, so it never happened.
        if (i === all.length - 1) return logger.warn('skipping a torn last line of the sandbox state log');
        throw new SandboxError(
          'CONFIG_INVALID',
          `sandbox state log line ${i + 1} is not valid JSON; delete state.log to keep only the snapshot`,
        );
      }
      if (line.rest) Object.assign(state, line.rest);
      else if (line.c && line.all) state[line.c] = line.all;
      else if (line.c && line.k !== undefined) {
        const collection = (state[line.c] ??= {}) as Keyed;
        if ('v' in line) collection[line.k] = line.v;
        else delete collection[line.k];
      }
    });
    return state;
  }

  /** Appends what changed since the last write, or folds everything into a new snapshot when it is time. */
  async write(): Promise<void> {
    if (await this.folderRecreated()) return this.compact();
    const rest = this.restOf();
    const restText = JSON.stringify(rest);
    const restChanged = restText !== this.lastRest;
    if (restChanged && this.options.removesData(this.lastRestValue, rest)) return this.compact();
    if (this.lines > Math.max(MIN_LINES_BEFORE_COMPACTION, 2 * this.entriesAtCompaction)) return this.compact();
    const out: string[] = [];
    for (const [name, keys] of this.dirty) {
      const collection = (this.state as Record<string, Keyed>)[name] ?? {};
      if (keys === null) out.push(JSON.stringify({ c: name, all: collection }));
      else for (const k of keys) out.push(JSON.stringify(k in collection ? { c: name, k, v: collection[k] } : { c: name, k }));
    }
    this.dirty.clear();
    if (restChanged) {
      out.push(`{"rest":${restText}}`);
      this.lastRest = restText;
      this.lastRestValue = rest;
    }
    if (out.length === 0) return;
    try {
      await appendFile(path.join(this.options.dataDir, LOG_FILE), `${out.join('\n')}\n`, { mode: 0o600 });
    } catch (error) {
      throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox state log cannot be written in "${this.options.dataDir}"`, { cause: error });
    }
    this.lines += out.length;
  }

  /** A new snapshot of the whole state, then an empty log. */
  async compact(): Promise<void> {
    this.dirty.clear();
    const file = path.join(this.options.dataDir, SNAPSHOT_FILE);
    const temp = `${file}.${randomUUID()}.tmp`;
    await this.folderRecreated();
    try {
      await writeFile(temp, JSON.stringify(this.state, null, 1), { mode: 0o600 });
      await rename(temp, file);
      await writeFile(path.join(this.options.dataDir, LOG_FILE), '', { mode: 0o600 });
    } catch (error) {
      throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox state cannot be written to "${file}"`, { cause: error });
    }
    const rest = this.restOf();
    this.lastRest = JSON.stringify(rest);
    this.lastRestValue = rest;
    this.lines = 0;
    this.entriesAtCompaction = this.options.keyed.reduce(
      (sum, name) => sum + Object.keys((this.state as Record<string, Keyed>)[name] ?? {}).length,
      0,
    );
  }

  /**
   * The folder may have been deleted while running (a reset by hand): it is made again, and the caller writes the
   * whole state held in memory back, since what the log held is gone with it.
   */
  private async folderRecreated(): Promise<boolean> {
    let created: string | undefined;
    try {
      created = await mkdir(this.options.dataDir, { recursive: true });
    } catch (error) {
      throw new SandboxError('STORAGE_UNAVAILABLE', `sandbox data folder "${this.options.dataDir}" cannot be made`, { cause: error });
    }
    if (created === undefined) return false;
    this.options.logger.warn(
      `sandbox data folder "${this.options.dataDir}" had disappeared; created it again and wrote the state held in memory (use npm run sandbox:reset to start from the seed)`,
    );
    return true;
  }

  private restOf(): Record<string, unknown> {
    const rest: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this.state)) if (!this.options.keyed.includes(name as keyof S & string)) rest[name] = value;
    return rest;
  }

  private watched(name: string, collection: Keyed): Keyed {
    const mark = (key: string | symbol) => {
      if (typeof key !== 'string') return;
      const keys = this.dirty.get(name);
      if (keys === null) return;
      if (keys) keys.add(key);
      else this.dirty.set(name, new Set([key]));
    };
    return new Proxy(collection, {
      set(target, key, value: unknown) {
        target[key as string] = value;
        mark(key);
        return true;
      },
      deleteProperty(target, key) {
        delete target[key as string];
        mark(key);
        return true;
      },
    });
  }
}
