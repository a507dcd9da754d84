/**
 * `npm run bench [-- --tiny] [--seconds 6] [--rounds 6] [--output file.json] [--profile DIR] [--heap-snapshots DIR]`:
 * the bot as production runs it, against the framework floor, in one run.
 * Processes: the sandbox (`npm run sandbox`'s entry, so its scrypt and Graph work are not charged to the bot), Azurite,
 * the echo bot (bench/echoBot.ts), the real bot (bench/botServer.ts) with memory, with file and, twice, with Blob
 * storage (two instances on one Azurite container; the load spreads each conversation's turns over both), and the
 * same-shape anchor (bench/anchorBot.ts). Servers are pinned to CPU 0, the sandbox, Azurite and this load generator
 * to CPU 1 when `taskset` is there. Every row is measured in rounds, interleaved (bench/rounds.ts): welcome turns per
 * second at 1 and 10 connections with CPU per turn, beside the echo bot's from the same rounds; CPU per whole
 * closure with GC as CPU and the HTTP requests each closure sent (Blob and outgoing calls, counted inside the
 * bots). Then heap per conversation parked at the warning card (memory and file, a fresh bot each) and cold start
 * of `npm start` and `node dist/index.js`. Prints the table and writes it to bench/results/. `--profile DIR` has
 * every server write a CPU profile of the closure rounds (those rows are then marked as profiled). It measures; it
 * asserts nothing.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { startAzurite, type RunningAzurite } from '../test/support/azurite';
import { startConnectorStub } from '../test/support/connectorStub';
import { measureColdStarts } from './coldStart';
import { heapGain } from './heapSnapshotDiff';
import { pinning, pinPid, startSandboxProcess, startServerProcess, type BenchServer } from './processes';
import { formatReport, type BenchReport, type ParkedFigures } from './report';
import { closureRounds, welcomeRounds, type RoundsOptions, type Target } from './rounds';
import { BLOB_HOST_ENV } from './serverProbe';
import { closeAccount, inParallel, openChannel, parkAtWarning, round, welcomeWindow, type BenchUser } from './traffic';

interface Options {
  readonly tiny: boolean;
  /** Measured seconds of welcome turns per row and connection count, spread over the rounds. */
  readonly seconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
  readonly warmupClosures: number;
  readonly closuresPerRound: number;
  readonly parked: number;
  /** Conversations parked before the heap is measured, so caches and JIT-compiled code settle first. */
  readonly parkedWarmup: number;
  readonly coldRuns: number;
  readonly output: string;
  /** `--profile DIR`: a V8 CPU profile of each server over the closure rounds (`closure-<row>-<n>.cpuprofile`). */
  readonly profileDir?: string;
  /** `--heap-snapshots DIR`: keep the heap snapshots taken around the parked conversations (bench/heapSnapshotDiff.ts). */
  readonly heapSnapshotDir?: string;
}

const TENANT_ID = '55555555-0000-4000-8000-000000000001';
const CLOSURE_CONCURRENCY = 4;
const CLOSING_ROWS = ['memory', 'file', 'blob', 'blobOne', 'anchor'] as const;
const VALUE_OPTIONS = ['--seconds', '--rounds', '--output', '--profile', '--heap-snapshots'];

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const unknown = argv.find(
    (arg, i) => arg.startsWith('--') && arg !== '--tiny' && !VALUE_OPTIONS.includes(arg) && !VALUE_OPTIONS.includes(argv[i - 1] ?? ''),
  );
  if (unknown)
    throw new Error(
      `unknown option "${unknown}"; options: --tiny, --seconds N, --rounds N, --output FILE, --profile DIR, --heap-snapshots DIR`,
    );
  const tiny = argv.includes('--tiny');
  const seconds = Number(value('seconds') ?? (tiny ? 0.4 : 6));
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
    throw new Error(`--seconds must be in (0, 600], got "${value('seconds')}"`);
  const rounds = Number(value('rounds') ?? (tiny ? 2 : 6));
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100)
    throw new Error(`--rounds must be an integer in [1, 100], got "${value('rounds')}"`);
  return {
    tiny,
    seconds,
    rounds,
    warmupSeconds: tiny ? 0.2 : 1,
    warmupClosures: tiny ? 1 : 8,
    closuresPerRound: tiny ? 1 : 8,
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
  if (loadCpu !== undefined) pinPid(process.pid, loadCpu);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'closure-bench-'));
  const closuresPerRow = options.warmupClosures + options.rounds * options.closuresPerRound;
  const parkingUsers = options.parkedWarmup + options.parked;
  const users: BenchUser[] = Array.from({ length: closuresPerRow * CLOSING_ROWS.length + parkingUsers * 2 }, (_, i) => ({
    upn: `user${i + 1}@benchclub.example`,
    password: `bench-pass-${i + 1}`,
  }));
  const usersOf = (row: string): BenchUser[] => {
    const at = CLOSING_ROWS.indexOf(row as (typeof CLOSING_ROWS)[number]);
    return users.slice(at * closuresPerRow, (at + 1) * closuresPerRow);
  };
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
  let azurite: RunningAzurite | undefined;
  const servers: BenchServer[] = [];
  const started = async (server: Promise<BenchServer>) => {
    const running = await server;
    servers.push(running);
    return running;
  };
  try {
    azurite = await startAzurite();
    if (loadCpu !== undefined) pinPid(azurite.pid, loadCpu);
    const blobHost = new URL(azurite.blobEndpoint).host;
    const botEnv = (storage: 'memory' | 'file' | 'blob', dir: string, container = 'bench'): Record<string, string> => ({
      PORT: '0',
      HOST: '127.0.0.1',
      SANDBOX_URL: sandbox.url,
      STORAGE: storage,
      DATA_DIR: path.join(dataDir, dir),
      LOG_LEVEL: 'error',
      // The whole closure measured is the bot's own (Graph delete and purge), opted into: the default is the hand-off.
      CLOSURE: 'graph',
      ...(storage === 'blob'
        ? { STORAGE_BLOB_CONNECTION_STRING: azurite?.connectionString ?? '', STORAGE_BLOB_CONTAINER: container, [BLOB_HOST_ENV]: blobHost }
        : {}),
    });
    const echo = await started(startServerProcess('echo bot', 'bench/echoBot.ts', {}, serverCpu));
    const targets: Target[] = [
      { name: 'echo', servers: [echo], closes: false },
      {
        name: 'memory',
        servers: [await started(startServerProcess('bot (memory)', 'bench/botServer.ts', botEnv('memory', 'memory'), serverCpu))],
        closes: true,
      },
      {
        name: 'file',
        servers: [await started(startServerProcess('bot (file)', 'bench/botServer.ts', botEnv('file', 'file'), serverCpu))],
        closes: true,
      },
      {
        name: 'blob',
        servers: [
          await started(startServerProcess('bot (blob, instance 1)', 'bench/botServer.ts', botEnv('blob', 'blob-1'), serverCpu)),
          await started(startServerProcess('bot (blob, instance 2)', 'bench/botServer.ts', botEnv('blob', 'blob-2'), serverCpu)),
        ],
        closes: true,
      },
      {
        // The same Blob bot alone on its own container: what the second instance adds to a closure's CPU.
        name: 'blobOne',
        servers: [
          await started(
            startServerProcess('bot (blob, one instance)', 'bench/botServer.ts', botEnv('blob', 'blob-one', 'bench-one'), serverCpu),
          ),
        ],
        closes: true,
      },
      {
        name: 'anchor',
        servers: [await started(startServerProcess('anchor bot', 'bench/anchorBot.ts', { SANDBOX_URL: sandbox.url }, serverCpu))],
        closes: true,
      },
    ];

    // Warm-up, unmeasured: JIT, caches, the Blob container and the audit blob of the day.
    for (const target of targets) {
      const channel = openChannel(
        target.servers.map((server) => server.url),
        10,
        connector.url,
      );
      await welcomeWindow(channel, 10, options.warmupSeconds, () => true);
      if (target.closes)
        await inParallel(usersOf(target.name).slice(0, options.warmupClosures), CLOSURE_CONCURRENCY, (user) => closeAccount(channel, user));
      channel.close();
    }
    const roundsOptions: RoundsOptions = {
      rounds: options.rounds,
      welcomeSeconds: options.seconds / options.rounds,
      connections: [1, 10],
      closuresPerRound: options.closuresPerRound,
      closureConcurrency: CLOSURE_CONCURRENCY,
      serviceUrl: connector.url,
      users: (row) => usersOf(row).slice(options.warmupClosures),
      aroundClosures: options.profileDir ? (work) => profiled(targets, options.profileDir as string, work) : undefined,
    };
    const welcome = await welcomeRounds(targets, roundsOptions);
    const closure = await closureRounds(targets, { ...roundsOptions, profiled: options.profileDir !== undefined });

    // In a fresh bot each: with memory storage the stored state, requests and audit events are the heap; with
    // file storage what is left is what the bot itself keeps per parked conversation.
    const parkingFrom = closuresPerRow * CLOSING_ROWS.length;
    const parked = {
      memory: await parkOn(
        await started(startServerProcess('bot (parking, memory)', 'bench/botServer.ts', botEnv('memory', 'parked-memory'), serverCpu)),
        users.slice(parkingFrom, parkingFrom + parkingUsers),
        options.parkedWarmup,
        connector.url,
        { dir: options.heapSnapshotDir ?? path.join(dataDir, 'heap'), name: 'parked-memory' },
      ),
      file: await parkOn(
        await started(startServerProcess('bot (parking, file)', 'bench/botServer.ts', botEnv('file', 'parked-file'), serverCpu)),
        users.slice(parkingFrom + parkingUsers),
        options.parkedWarmup,
        connector.url,
        { dir: options.heapSnapshotDir ?? path.join(dataDir, 'heap'), name: 'parked-file' },
      ),
    };
    const loggedErrors = servers.reduce((sum, server) => sum + server.errors(), 0);
    await Promise.all(servers.map((server) => server.stop()));
    servers.length = 0;
    await sandbox.stop();
    await azurite.stop();
    azurite = undefined;
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
          ? `servers on CPU ${pin.serverCpu}, sandbox, Azurite and load on CPU ${pin.loadCpu}`
          : 'no (taskset missing or one CPU)',
      },
      settings: {
        tiny: options.tiny,
        seconds: options.seconds,
        rounds: options.rounds,
        warmupSeconds: options.warmupSeconds,
        warmupClosures: options.warmupClosures,
        closuresPerRound: options.closuresPerRound,
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
    await azurite?.stop();
    await connector.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Runs `work` with every server of every target writing a CPU profile of it to `<dir>/closure-<row>-<n>.cpuprofile`. */
async function profiled(targets: readonly Target[], dir: string, work: () => Promise<void>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const all = targets.flatMap((t) =>
    t.servers.map((server, i) => ({ server, file: path.join(dir, `closure-${t.name}-${i + 1}.cpuprofile`) })),
  );
  await Promise.all(all.map(({ server }) => server.startProfile()));
  try {
    await work();
  } finally {
    await Promise.all(all.map(({ server, file }) => server.stopProfile(file)));
  }
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
