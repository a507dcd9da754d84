import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
/**
 * How long a process may take to print its ready line and answer /healthz: a hang guard, not a speed check. A cold
 * `node --import tsx index.ts` took about 2 s on an idle two-core machine and 12 s at a load average of 19 (eight
 * suites at once); two cold starts at once took longer than the 20 s this was, about one run in three.
 */
const START_TIMEOUT_MS = 60_000;

/** A test's own bound when it (or its hook) starts `starts` real processes: one start-up bound each, and one for its work. */
export function processTestTimeout(starts: number): number {
  return (starts + 1) * START_TIMEOUT_MS;
}
/** Kept for the failure message when a process dies or does not start; older output is dropped. */
const MAX_OUTPUT_CHARS = 64 * 1024;

export interface NodeProcess {
  readonly pid: number;
  /** The URL the process printed once it listened, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Its stdout and stderr so far (the last 64 KB): JSON log lines, for a failing test's message. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once the process has exited, with its exit code or the signal that ended it. */
  waitForExit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless it has already exited; for after-hooks. */
  stop(): Promise<void>;
}

/**
 * Starts the real bot (`index.ts`) as its own process: `node --import tsx`, not `npx`, so the PID is the bot's
 * and a kill reaches it. Only `env` and PATH are passed; `PORT=0` is fine, the bound URL is read from stdout.
 */
export function startBotProcess(env: Record<string, string>): Promise<NodeProcess> {
  return startTsProcess(
    'index.ts',
    [],
    { HOST: '127.0.0.1', PORT: '0', ...env },
    /connect the Bot Framework Emulator to (http:\/\/\S+)\/api\/messages/,
  );
}

/** Starts the standalone sandbox (`npm run sandbox`'s entry) as its own process. */
export function startSandboxProcess(env: Record<string, string>, options: { enableFaults?: boolean } = {}): Promise<NodeProcess> {
  return startTsProcess(
    'sandbox/main.ts',
    options.enableFaults ? ['--enable-faults'] : [],
    { SANDBOX_PORT: '0', ...env },
    /Sandbox listening at (http:\/\/\S+)/,
  );
}

/**
 * Starts the production build (`node <dir>/index.js`, written by `node scripts/build.mjs <dir>`) in sandbox mode,
 * like App Service runs dist/index.js; `preload` files are `--require`d first.
 */
export function startBuiltBotProcess(entry: string, env: Record<string, string>, preload: string[] = []): Promise<NodeProcess> {
  return startNodeProcess(
    entry,
    [...preload.flatMap((file) => ['--require', file]), entry],
    { HOST: '127.0.0.1', PORT: '0', ...env },
    /connect the Bot Framework Emulator to (http:\/\/\S+)\/api\/messages/,
  );
}

function startTsProcess(entry: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<NodeProcess> {
  return startNodeProcess(entry, ['--import', 'tsx', path.join(ROOT, entry), ...args], env, ready);
}

async function startNodeProcess(entry: string, nodeArgs: string[], env: Record<string, string>, ready: RegExp): Promise<NodeProcess> {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  let url: string;
  try {
    url = await waitForUrl(child, ready, () => output, exited);
    await waitForHealth(url, exited);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${entry} did not start: ${(error as Error).message}\n--- its output ---\n${output}`);
  }
  return {
    pid: child.pid ?? -1,
    url,
    output: () => output,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForExit: () => exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function waitForUrl(child: ChildProcess, ready: RegExp, output: () => string, exited: Promise<unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${ready.source}" line within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onData = () => {
      const match = ready.exec(output());
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error('it exited'));
    });
  });
}

async function waitForHealth(url: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!gone && Date.now() < deadline) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(gone ? 'it exited' : `${url}/healthz did not answer within ${START_TIMEOUT_MS} ms`);
}
