/**
 * Child processes of `npm run bench`: the sandbox (`npm run sandbox`'s entry), the echo bot and the real bot, each
 * pinned to a CPU with `taskset` when the machine has one and more than one CPU, so the servers measured share a
 * core with nothing the bench itself runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cpus as listCpus } from 'node:os';
import path from 'node:path';
import { READY_PREFIX, type ProbeAnswer, type ProbeRequest } from './serverProbe';

export const ROOT = path.join(__dirname, '..');

/** `taskset -c <cpu>` when available; the bench says in its output whether pinning was on. */
export function pinning(): { readonly available: boolean; readonly serverCpu: string; readonly loadCpu: string } {
  const cpus = listCpus().length;
  const available = cpus > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return { available, serverCpu: '0', loadCpu: cpus > 1 ? '1' : '0' };
}

/** Pins a running process (all its threads) to `cpu`: the load generator and Azurite keep off the servers' core. */
export function pinPid(pid: number, cpu: string): void {
  spawnSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

export function pinnedCommand(cpu: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpu === undefined ? [command, [...args]] : ['taskset', ['-c', cpu, command, ...args]];
}

export interface BenchServer {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  probe(type: 'cpu' | 'memory'): Promise<ProbeAnswer>;
  /** Starts a CPU profile of this process's main thread (node:inspector inside it). */
  startProfile(): Promise<void>;
  /** Stops the profile started last and writes it to `file` (a `.cpuprofile` for Chrome DevTools or bench/profileSummary.ts). */
  stopProfile(file: string): Promise<void>;
  /** Writes a V8 heap snapshot of this process to `file`. */
  heapSnapshot(file: string): Promise<void>;
  /** Error records the process has logged so far (JSON lines on stderr). */
  errors(): number;
  stop(): Promise<void>;
}

/** Node with tsx, as `npm start` and `npm run sandbox` run TypeScript; `--expose-gc` for the memory probe. */
export const TSX_NODE_ARGS = ['--disable-warning=DEP0111', '--expose-gc', '--import', 'tsx'];

/**
 * Starts `entry` (a bench/*.ts server) and waits for its ready line. The child runs with an IPC channel for probes;
 * stderr is kept so a failure names its cause.
 */
export async function startServerProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  cpu: string | undefined,
): Promise<BenchServer> {
  const [command, args] = pinnedCommand(cpu, process.execPath, [...TSX_NODE_ARGS, entry]);
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const url = await readyLine(child, name, (line) => (line.startsWith(READY_PREFIX) ? line.slice(READY_PREFIX.length).trim() : undefined));
  let errors = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8').split('"level":"error"').length - 1;
    // `BENCH_VERBOSE=1`: the servers' error lines on this stderr too, to find why a row failed.
    if (process.env.BENCH_VERBOSE === '1') process.stderr.write(chunk);
  });
  let nextId = 0;
  const waiting = new Map<number, (answer: ProbeAnswer) => void>();
  child.on('message', (answer: ProbeAnswer) => {
    waiting.get(answer.id)?.(answer);
    waiting.delete(answer.id);
  });
  const ask = (request: ProbeRequest) =>
    new Promise<ProbeAnswer>((resolve) => {
      waiting.set(request.id, resolve);
      child.send(request);
    });
  return {
    name,
    url,
    pid: child.pid ?? 0,
    probe(type) {
      return ask({ type, id: ++nextId });
    },
    startProfile: async () => {
      await ask({ type: 'profileStart', id: ++nextId });
    },
    stopProfile: async (file) => {
      await ask({ type: 'profileStop', id: ++nextId, file });
    },
    heapSnapshot: async (file) => {
      await ask({ type: 'heapSnapshot', id: ++nextId, file });
    },
    errors: () => errors,
    stop: () => stopChild(child),
  };
}

/** `npm run sandbox`'s entry (sandbox/main.ts) on a port of its own; resolves with the URL it prints. */
export async function startSandboxProcess(
  env: Record<string, string>,
  cpu: string | undefined,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const [command, args] = pinnedCommand(cpu, process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', 'sandbox/main.ts']);
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await readyLine(child, 'sandbox', (line) => /^Sandbox listening at (\S+)/.exec(line)?.[1]);
  // With taskset the child is taskset's exec of node: the same process id.
  return { url, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/** A port that was free a moment ago, for servers that must be told theirs (cold start measures `npm start`). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function readyLine(child: ChildProcess, name: string, match: (line: string) => string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      for (const line of stdout.split('\n')) {
        const found = match(line);
        if (found) {
          stdout = '';
          resolve(found);
          return;
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready: ${stderr.trim().slice(-1_000)}`)));
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
