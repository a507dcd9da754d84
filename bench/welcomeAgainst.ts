/**
 * `node --import tsx bench/welcomeAgainst.ts [--base REF] [--rounds 8] [--seconds 1.5] [--strace FILE]`: the welcome
 * turn (first "hello" of a fresh conversation) of this tree's memory and file bots against the same bots at git
 * `REF` (default `main`), beside the echo bot, in one interleaved run (bench/rounds.ts), CPU per turn counted inside
 * each server. For a change to a turn's cost, where `npm run bench`'s full run says more than needed and compares
 * nothing with the tree before. `REF` is exported with `git archive` to a temp folder that borrows this tree's
 * node_modules. `--strace FILE`: `strace -f -c` of this tree's file bot over 200 welcome turns, into FILE.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startConnectorStub } from '../test/support/connectorStub';
import { pinning, ROOT, startSandboxProcess, startServerProcess, type BenchServer } from './processes';
import { welcomeRounds, type Target } from './rounds';
import { openChannel, welcomeWindow } from './traffic';

const value = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};

/** `ref` as a tree of its own, its node_modules links to this tree's (the sandbox workspace to its own copy). */
async function exportRef(ref: string, into: string): Promise<void> {
  const archive = spawnSync('sh', ['-c', `git archive "$0" | tar -x -C "$1"`, ref, into], { cwd: ROOT, stdio: 'inherit' });
  if (archive.status !== 0) throw new Error(`git archive ${ref} failed`);
  const modules = path.join(into, 'node_modules');
  await mkdir(path.join(modules, '@account-closure-bot'), { recursive: true });
  for (const name of await readdir(path.join(ROOT, 'node_modules'))) {
    if (name !== '@account-closure-bot') await symlink(path.join(ROOT, 'node_modules', name), path.join(modules, name));
  }
  await symlink(path.join(into, 'sandbox'), path.join(modules, '@account-closure-bot', 'sandbox'));
}

async function main(): Promise<void> {
  const base = value('base', 'main');
  const rounds = Number(value('rounds', '8'));
  const seconds = Number(value('seconds', '1.5'));
  const straceFile = value('strace', '');
  const pin = pinning();
  const serverCpu = pin.available ? pin.serverCpu : undefined;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'welcome-against-'));
  const baseDir = path.join(dataDir, 'base');
  await mkdir(baseDir);
  await exportRef(base, baseDir);
  const connector = await startConnectorStub();
  const sandbox = await startSandboxProcess(
    { SANDBOX_PORT: '0', SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'), LOG_LEVEL: 'warn' },
    pin.available ? pin.loadCpu : undefined,
  );
  const servers: BenchServer[] = [];
  const bot = async (name: string, root: string, storage: string): Promise<Target> => {
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_URL: sandbox.url,
      STORAGE: storage,
      DATA_DIR: path.join(dataDir, name),
      LOG_LEVEL: 'error',
    };
    const server = await startServerProcess(name, path.join(root, 'bench', 'botServer.ts'), env, serverCpu);
    servers.push(server);
    return { name, servers: [server], closes: false };
  };
  try {
    const echo = await startServerProcess('echo', 'bench/echoBot.ts', {}, serverCpu);
    servers.push(echo);
    const file = await bot('file', ROOT, 'file');
    const targets: Target[] = [
      { name: 'echo', servers: [echo], closes: false },
      await bot('memory', ROOT, 'memory'),
      file,
      await bot(`memory@${base}`, baseDir, 'memory'),
      await bot(`file@${base}`, baseDir, 'file'),
    ];
    for (const target of targets) {
      const channel = openChannel(target.servers[0].url, 10, connector.url);
      await welcomeWindow(channel, 10, 1.5, () => true);
      channel.close();
    }
    if (straceFile) await straced(file.servers[0], straceFile, connector.url);
    const before = loadavg();
    const results = await welcomeRounds(targets, {
      rounds,
      welcomeSeconds: seconds,
      connections: [1, 10],
      closuresPerRound: 0,
      closureConcurrency: 1,
      serviceUrl: connector.url,
      users: () => [],
    });
    for (const { target, connections, figures } of results) {
      const echoFigures = results.find((r) => r.target === 'echo' && r.connections === connections)?.figures ?? figures;
      const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
      process.stdout.write(
        `${target.padEnd(16)} ${String(connections).padStart(2)} conn.  ${figures.turnsPerSecond.toFixed(0).padStart(5)} turns/s ` +
          `(${ratio(figures.turnsPerSecond, echoFigures.turnsPerSecond)} echo)  ${figures.cpuMsPerTurn.toFixed(3)} ms CPU/turn ` +
          `(${ratio(figures.cpuMsPerTurn, echoFigures.cpuMsPerTurn)} echo)  failed ${figures.failed}\n`,
      );
    }
    process.stdout.write(
      `load average before ${before.map((v) => v.toFixed(2)).join(' ')}, after ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await sandbox.stop();
    await connector.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `strace -f -c` attached to `server` over 200 welcome turns, one at a time. */
async function straced(server: BenchServer, file: string, serviceUrl: string): Promise<void> {
  const strace = spawn('strace', ['-f', '-c', '-o', file, '-p', String(server.pid)], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const channel = openChannel(server.url, 1, serviceUrl);
  for (let i = 0; i < 200; i++) await channel.send(`user-strace-${i}`, `conv-strace-${i}`, { type: 'message', text: 'hello' });
  channel.close();
  strace.kill('SIGINT');
  await once(strace, 'exit');
  process.stdout.write(`strace -f -c of the file bot over 200 welcome turns: ${file}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`welcomeAgainst failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
