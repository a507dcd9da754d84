/**
 * `npm run bench [-- --tiny] [--seconds 5] [--output file.json] [--profile DIR] [--heap-snapshots DIR]`: the bot against
 * the framework floor in one run.
 * Processes: the sandbox (`npm run sandbox`'s entry, so its scrypt and Graph work are not charged to the bot), the
 * echo bot (bench/echoBot.ts) and the real bot with memory and with file storage (bench/botServer.ts), servers
 * pinned to CPU 0 and the sandbox and this load generator to CPU 1 when `taskset` is there. Measured:
 * welcome turns per second at 1 and 10 connections beside the echo bot's (ratios, p50/p99), the bot's own CPU per
 * whole closure (process.cpuUsage inside the bot), heap per conversation parked at the warning card (heap
 * snapshots before and after, in a fresh bot each for memory and file storage), and cold start of `npm start` and
 * `node dist/index.js` to /healthz. Prints the table and writes it to bench/results/. `--profile DIR` has the
 * servers write a CPU profile of each phase. It measures; it asserts nothing.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { startConnectorStub } from '../test/support/connectorStub';
import { measureColdStarts } from './coldStart';
import { pinning, pinSelf, startSandboxProcess, startServerProcess, type BenchServer } from './processes';
import { heapGain } from './heapSnapshotDiff';
import { formatReport, type BenchReport, type ClosureFigures, type ParkedFigures } from './report';
import { closeAccount, inParallel, measureRate, openChannel, parkAtWarning, percentiles, round, type BenchUser } from './traffic';

interface Options {
  readonly tiny: boolean;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly closures: number;
  readonly parked: number;
  /** Conversations parked before the heap is measured, so caches and JIT-compiled code settle first. */
  readonly parkedWarmup: number;
  readonly coldRuns: number;
  readonly output: string;
  /**
   * `--profile DIR`: a V8 CPU profile of each server over each measured phase (`welcome-<storage>-<n>conn-<server>`,
   * `closure-<storage>`), for docs/performance.md's "where the time goes"; warm-up and start-up are not in them.
   */
  readonly profileDir?: string;
  /** `--heap-snapshots DIR`: keep the heap snapshots taken around the parked conversations (bench/heapSnapshotDiff.ts). */
  readonly heapSnapshotDir?: string;
}

const TENANT_ID = '55555555-0000-4000-8000-000000000001';
const CLOSURE_CONCURRENCY = 4;

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const known = new Set(['--tiny', '--seconds', '--output', '--profile', '--heap-snapshots']);
  const unknown = argv.find(
    (arg, i) =>
      arg.startsWith('--') && !known.has(arg) && !['--output', '--seconds', '--profile', '--heap-snapshots'].includes(argv[i - 1] ?? ''),
  );
  if (unknown)
    throw new Error(`unknown option "${unknown}"; options: --tiny, --seconds N, --output FILE, --profile DIR, --heap-snapshots DIR`);
  const tiny = argv.includes('--tiny');
  const seconds = Number(value('seconds') ?? (tiny ? 0.5 : 5));
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw new Error(`--seconds must be in (0, 600], got "${value('seconds')}"`);
  return {
    tiny,
    seconds,
    warmupSeconds: tiny ? 0.2 : 1,
    closures: tiny ? 2 : 40,
    parked: tiny ? 3 : 200,
    parkedWarmup: tiny ? 1 : 50,
    coldRuns: tiny ? 1 : 3,
    output: value('output') ?? path.join(__dirname, 'results', 'latest.json'),
    profileDir: value('profile') === undefined ? undefined : path.resolve(value('profile') as string),
    heapSnapshotDir: value('heap-snapshots') === undefined ? undefined : path.resolve(value('heap-snapshots') as string),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const pin = pinning();
  const serverCpu = pin.available ? pin.serverCpu : undefined;
  const loadCpu = pin.available ? pin.loadCpu : undefined;
  if (loadCpu !== undefined) pinSelf(loadCpu);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'closure-bench-'));
  const users: BenchUser[] = Array.from({ length: options.closures * 2 + (options.parkedWarmup + options.parked) * 2 }, (_, i) => ({
    upn: `user${i + 1}@benchclub.example`,
    password: `bench-pass-${i + 1}`,
  }));
  const seedPath = path.join(dataDir, 'seed.json');
  await writeFile(
    seedPath,
    JSON.stringify({
      tenants: [{ id: TENANT_ID, displayName: 'Bench Club', domains: ['benchclub.example'], unmanaged: true }],
      users: users.map((user, i) => ({
        id: `66666666-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        upn: user.upn,
        displayName: `Bench User ${i + 1}`,
        password: user.password,
        tenantId: TENANT_ID,
      })),
    }),
  );

  const loadAvgBefore = loadavg().map((v) => round(v, 2));
  const connector = await startConnectorStub();
  const sandbox = await startSandboxProcess(
    {
      SANDBOX_PORT: '0',
      SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
      SANDBOX_SEED: seedPath,
      SANDBOX_EXPORT_DELAY_MS: '0',
      LOG_LEVEL: 'warn',
    },
    loadCpu,
  );
  const botEnv = (storage: 'memory' | 'file', dir: string) => ({
    PORT: '0',
    HOST: '127.0.0.1',
    SANDBOX_URL: sandbox.url,
    STORAGE: storage,
    DATA_DIR: path.join(dataDir, dir),
    LOG_LEVEL: 'error',
    // The whole closure measured is the bot's own (Graph delete and purge), opted into: the default is the hand-off.
    CLOSURE: 'graph',
  });
  const servers: BenchServer[] = [];
  const started = async (server: Promise<BenchServer>) => {
    const running = await server;
    servers.push(running);
    return running;
  };
  try {
    const echo = await started(startServerProcess('echo bot', 'bench/echoBot.ts', {}, serverCpu));
    const memoryBot = await started(startServerProcess('bot (memory)', 'bench/botServer.ts', botEnv('memory', 'memory'), serverCpu));
    const fileBot = await started(startServerProcess('bot (file)', 'bench/botServer.ts', botEnv('file', 'file'), serverCpu));

    const welcome: Array<BenchReport['welcome'][number]> = [];
    for (const connections of [1, 10]) {
      const echoRate = await profiled(echo, options, `welcome-${connections}conn-echo`, () =>
        rateOf(echo, connections, options, connector.url),
      );
      for (const [storage, bot] of [
        ['memory', memoryBot],
        ['file', fileBot],
      ] as const) {
        const botRate = await profiled(bot, options, `welcome-${connections}conn-bot-${storage}`, () =>
          rateOf(bot, connections, options, connector.url),
        );
        welcome.push({
          storage,
          connections,
          echo: echoRate,
          bot: botRate,
          ratio: round(botRate.turnsPerSecond / echoRate.turnsPerSecond, 2),
        });
      }
    }
    const closure = {
      memory: await profiled(memoryBot, options, 'closure-memory', () =>
        closuresOn(memoryBot, users.slice(0, options.closures), connector.url),
      ),
      file: await profiled(fileBot, options, 'closure-file', () =>
        closuresOn(fileBot, users.slice(options.closures, options.closures * 2), connector.url),
      ),
    };
    // In a fresh bot each: with memory storage the stored state, requests and audit events are the heap; with
    // file storage what is left is what the bot itself keeps per parked conversation.
    const parkingUsers = options.parkedWarmup + options.parked;
    const parked = {
      memory: await parkOn(
        await started(startServerProcess('bot (parking, memory)', 'bench/botServer.ts', botEnv('memory', 'parked-memory'), serverCpu)),
        users.slice(options.closures * 2, options.closures * 2 + parkingUsers),
        options.parkedWarmup,
        connector.url,
        { dir: options.heapSnapshotDir ?? path.join(dataDir, 'heap'), name: 'parked-memory' },
      ),
      file: await parkOn(
        await started(startServerProcess('bot (parking, file)', 'bench/botServer.ts', botEnv('file', 'parked-file'), serverCpu)),
        users.slice(options.closures * 2 + parkingUsers),
        options.parkedWarmup,
        connector.url,
        { dir: options.heapSnapshotDir ?? path.join(dataDir, 'heap'), name: 'parked-file' },
      ),
    };
    const loggedErrors = servers.reduce((sum, server) => sum + server.errors(), 0);
    await Promise.all(servers.map((server) => server.stop()));
    servers.length = 0;
    await sandbox.stop();
    const coldStart = await measureColdStarts(options.coldRuns, serverCpu);

    const report: BenchReport = {
      measuredAt: new Date().toISOString(),
      machine: {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGB: Math.round(totalmem() / 2 ** 30),
        loadAverageBefore: loadAvgBefore,
        loadAverageAfter: loadavg().map((v) => round(v, 2)),
        pinned: pin.available
          ? `servers on CPU ${pin.serverCpu}, sandbox and load on CPU ${pin.loadCpu}`
          : 'no (taskset missing or one CPU)',
      },
      settings: {
        tiny: options.tiny,
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        closures: options.closures,
        closureConcurrency: CLOSURE_CONCURRENCY,
        parked: options.parked,
        parkedWarmup: options.parkedWarmup,
        coldRuns: options.coldRuns,
      },
      welcome,
      closure,
      parked,
      coldStart,
      loggedErrors,
    };
    await mkdir(path.dirname(options.output), { recursive: true });
    await writeFile(options.output, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${formatReport(report)}\nwritten to ${path.relative(process.cwd(), options.output)}\n`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await sandbox.stop();
    await connector.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs `phase`, with `server` writing a CPU profile of it to `<profileDir>/<name>.cpuprofile` when profiling. */
async function profiled<T>(server: BenchServer, options: Options, name: string, phase: () => Promise<T>): Promise<T> {
  if (!options.profileDir) return phase();
  await mkdir(options.profileDir, { recursive: true });
  await server.startProfile();
  try {
    return await phase();
  } finally {
    await server.stopProfile(path.join(options.profileDir, `${name}.cpuprofile`));
  }
}

async function rateOf(server: BenchServer, connections: number, options: Options, serviceUrl: string) {
  const channel = openChannel(server.url, connections, serviceUrl);
  try {
    return await measureRate(channel, {
      connections,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      expect: (replies) => replies.length > 0,
    });
  } finally {
    channel.close();
  }
}

async function closuresOn(bot: BenchServer, users: readonly BenchUser[], serviceUrl: string): Promise<ClosureFigures> {
  const channel = openChannel(bot.url, CLOSURE_CONCURRENCY, serviceUrl);
  const latencies: number[] = [];
  let failed = 0;
  const { cpuMs: before = 0, gcMs: gcBefore = 0 } = await bot.probe('cpu');
  await inParallel(users, CLOSURE_CONCURRENCY, async (user) => {
    const at = performance.now();
    try {
      await closeAccount(channel, user);
      latencies.push(performance.now() - at);
    } catch {
      failed += 1;
    }
  });
  const { cpuMs: after = 0, gcMs: gcAfter = 0 } = await bot.probe('cpu');
  channel.close();
  const { p50, p99 } = percentiles(latencies);
  // All of the bot process's CPU in the window (turns, GC, its HTTP to the sandbox), per closure that completed.
  return {
    closures: latencies.length,
    failed,
    cpuMsPerClosure: round((after - before) / Math.max(1, latencies.length), 2),
    gcMsPerClosure: round((gcAfter - gcBefore) / Math.max(1, latencies.length), 2),
    p50Ms: round(p50, 1),
    p99Ms: round(p99, 1),
  };
}

/**
 * Parks `users` at the warning card in `bot` (the first `warmupCount` unmeasured) and measures what the heap
 * gained per conversation: from two heap snapshots, the program's own objects and strings apart from what V8
 * keeps for itself (bench/heapSnapshotDiff.ts), since `heapUsed` counts both and moved by kilobytes between runs.
 * No RSS: a heap snapshot itself grows the process's resident memory by far more than the conversations do.
 */
async function parkOn(
  bot: BenchServer,
  users: readonly BenchUser[],
  warmupCount: number,
  serviceUrl: string,
  snapshots: { readonly dir: string; readonly name: string },
): Promise<ParkedFigures> {
  let channel = openChannel(bot.url, CLOSURE_CONCURRENCY, serviceUrl);
  const warmup = users.slice(0, warmupCount);
  const measured = users.slice(warmupCount);
  await inParallel(warmup, CLOSURE_CONCURRENCY, async (user) => {
    await parkAtWarning(channel, user);
  });
  const [beforeFile, afterFile] = ['before', 'after'].map((when) => path.join(snapshots.dir, `${snapshots.name}-${when}.heapsnapshot`));
  await mkdir(snapshots.dir, { recursive: true });
  const before = await bot.probe('memory');
  await bot.heapSnapshot(beforeFile);
  // The bot was blocked for seconds: its keep-alive timer may close idle sockets as this side reuses them.
  channel.close();
  channel = openChannel(bot.url, CLOSURE_CONCURRENCY, serviceUrl);
  await inParallel(measured, CLOSURE_CONCURRENCY, async (user) => {
    await parkAtWarning(channel, user);
  });
  const after = await bot.probe('memory');
  await bot.heapSnapshot(afterFile);
  channel.close();
  const gain = await heapGain(beforeFile, afterFile);
  const count = Math.max(1, measured.length);

  return {
    conversations: measured.length,
    programBytesPerConversation: Math.round(gain.programBytes / count),
    v8BytesPerConversation: Math.round(gain.v8Bytes / count),
    heapUsedBytesPerConversation: Math.round(((after.heapUsed ?? 0) - (before.heapUsed ?? 0)) / count),
  };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
