/**
 * Cold start: from spawning a start command to the first 200 from `/healthz`, in sandbox mode with an empty data
 * folder (what a newcomer's first `npm start` does), the median of a few runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, pinnedCommand, ROOT } from './processes';
import { round } from './traffic';

export interface ColdStart {
  readonly command: string;
  /** Seconds, median of `runs`; undefined when the command could not be measured (`note` says why). */
  readonly seconds?: number;
  readonly runs: number;
  readonly note?: string;
}

const GIVE_UP_MS = 60_000;

/** `npm start` always; `node dist/index.js` when a build is there (`npm run build`). */
export async function measureColdStarts(runs: number, cpu: string | undefined): Promise<ColdStart[]> {
  const results = [await measure('npm start', 'npm', ['start', '--silent'], runs, cpu)];
  const compiled = path.join(ROOT, 'dist', 'index.js');
  results.push(
    existsSync(compiled)
      ? await measure('node dist/index.js', process.execPath, [compiled], runs, cpu)
      : { command: 'node dist/index.js', runs: 0, note: 'no dist/index.js (run `npm run build` first)' },
  );
  return results;
}

async function measure(label: string, command: string, args: string[], runs: number, cpu: string | undefined): Promise<ColdStart> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    try {
      times.push(await once(command, args, cpu));
    } catch (error) {
      return { command: label, runs: times.length, note: error instanceof Error ? error.message : String(error) };
    }
  }
  times.sort((a, b) => a - b);
  return { command: label, seconds: round((times[Math.floor(times.length / 2)] ?? 0) / 1000, 2), runs };
}

async function once(command: string, args: string[], cpu: string | undefined): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'closure-bench-cold-'));
  const port = await freePort();
  const [pinned, pinnedArgs] = pinnedCommand(cpu, command, args);
  const started = performance.now();
  // Its own process group, so npm, its shell and the bot under it stop together.
  const child = spawn(pinned, pinnedArgs, {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      SANDBOX_PORT: '0',
      DATA_DIR: dataDir,
      SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
      LOG_LEVEL: 'warn',
    },
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    while (!(await healthy(port))) {
      if (exited) throw new Error(`\`${command} ${args.join(' ')}\` exited before /healthz answered`);
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`no /healthz within ${GIVE_UP_MS / 1000} s`);
      await delay(5);
    }
    return performance.now() - started;
  } finally {
    if (!exited && child.pid) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([gone, delay(5_000).then(() => child.pid && process.kill(-child.pid, 'SIGKILL'))]);
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(1_000, () => request.destroy());
  });
}
