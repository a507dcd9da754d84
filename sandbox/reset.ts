/**
 * `npm run sandbox:reset`: back to the demo as shipped. Removes the sandbox's saved directory (SANDBOX_DATA_DIR:
 * closed accounts, tokens, exports) so the next start seeds it again from SANDBOX_SEED or the built-in seed, and the
 * bot's own file data (DATA_DIR: conversation state, closure requests and locks, the local audit trail), so no record
 * of a closure in the old directory can refuse a Yes in the restored one. Refuses while the bot or the sandbox still
 * listens: a running process holds the state in memory and would write it straight back.
 */
import { rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import * as path from 'node:path';
import { portSetting, readEnvironment, readSandboxSettings } from './settings';

export interface ResetTargets {
  readonly sandboxDataDir: string;
  /** The bot's DATA_DIR (STORAGE=file records, the local audit trail, the generated audit-hash key). */
  readonly botDataDir: string;
}

/** Deletes the folders; returns the ones that existed. */
export async function resetDemoData(targets: ResetTargets): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of [targets.sandboxDataDir, targets.botDataDir]) {
    refuseUnsafe(dir);
    if (removed.includes(path.resolve(dir))) continue;
    if (!(await exists(dir))) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(path.resolve(dir));
  }
  return removed;
}

/** True when something accepts connections on the port (the bot or the sandbox still running). */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A data setting of "." or "/" must not wipe the project or the disk. */
function refuseUnsafe(dir: string): void {
  const resolved = path.resolve(dir);
  const cwd = process.cwd();
  if (resolved === path.parse(resolved).root || cwd === resolved || cwd.startsWith(`${resolved}${path.sep}`)) {
    throw new Error(`"${dir}" is the working folder, one of its parents or a root; set DATA_DIR and SANDBOX_DATA_DIR to data folders`);
  }
}

async function exists(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function main(): Promise<void> {
  const env = readEnvironment();
  const settings = readSandboxSettings(env);
  // The bot's own settings, by the names and defaults its README documents: the reset clears its data folder too.
  for (const [setting, port] of [
    ['PORT', portSetting(env, 'PORT', 3978)],
    ['SANDBOX_PORT', settings.port],
  ] as const) {
    if (port !== 0 && (await isListening(port))) {
      throw new Error(
        `something is listening on port ${port} (${setting}); stop the bot and the sandbox first, or they write their state straight back`,
      );
    }
  }
  if (env.STORAGE?.trim() === 'blob') process.stdout.write("STORAGE=blob: the bot's records in Blob Storage are not touched.\n");
  const removed = await resetDemoData({ sandboxDataDir: settings.dataDir, botDataDir: env.DATA_DIR?.trim() || '.data' });
  process.stdout.write(
    removed.length > 0 ? `Removed ${removed.map((dir) => `"${dir}"`).join(' and ')}.\n` : 'Nothing to remove: no saved demo data.\n',
  );
  process.stdout.write('The next npm start seeds the sandbox again from the demo seed.\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`sandbox:reset refused: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
