/**
 * Load benchmark, `npm run bench [-- --users 50 --storage memory|file --time-limit-seconds 120]`: the real bot and
 * its embedded sandbox in this process, on loopback only, and N simulated users who each walk the whole closure
 * at once: welcome -> sign-in (page + magic code) -> skip export -> warning -> Yes. Prints latency percentiles
 * per step, throughput and memory, and writes them to bench/results/latest.json. It measures; it asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config';
import { startBot } from '../index';
import type { LogRecord } from '../services/logger';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, type ReplyActivity } from '../test/support/botHarness';
import { startConnectorStub } from '../test/support/connectorStub';

const STEPS = ['welcome', 'startSignIn', 'signInPage', 'magicCode', 'skipExport', 'confirmYes'] as const;
type Step = (typeof STEPS)[number];

interface Options {
  readonly users: number;
  readonly storage: 'memory' | 'file';
  /** The whole run is abandoned after this long; unfinished users count as failed. */
  readonly timeLimitSeconds: number;
  readonly output: string;
}

const TENANT_ID = '55555555-0000-4000-8000-000000000001';

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const users = Number(value('users') ?? process.env.BENCH_USERS ?? 50);
  const storage = value('storage') ?? 'memory';
  const timeLimitSeconds = Number(value('time-limit-seconds') ?? 120);
  if (!Number.isInteger(users) || users < 1 || users > 1000) throw new Error(`--users must be 1..1000, got "${users}"`);
  if (storage !== 'memory' && storage !== 'file') throw new Error(`--storage must be memory or file, got "${storage}"`);
  if (!Number.isFinite(timeLimitSeconds) || timeLimitSeconds <= 0) throw new Error(`--time-limit-seconds must be positive, got "${timeLimitSeconds}"`);
  return { users, storage, timeLimitSeconds, output: value('output') ?? path.join(__dirname, 'results', 'latest.json') };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dataDir = await mkdtemp(path.join(tmpdir(), 'closure-bench-'));
  const seedPath = path.join(dataDir, 'seed.json');
  const people = Array.from({ length: options.users }, (_, i) => ({
    id: `66666666-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    upn: `user${i + 1}@benchclub.example`,
    displayName: `Bench User ${i + 1}`,
    password: `bench-pass-${i + 1}`,
    tenantId: TENANT_ID,
  }));
  await writeFile(seedPath, JSON.stringify({ tenants: [{ id: TENANT_ID, displayName: 'Bench Club', domains: ['benchclub.example'], unmanaged: true }], users: people }));

  const errors: LogRecord[] = [];
  const connector = await startConnectorStub();
  const config = loadConfig({
    HOST: '127.0.0.1', PORT: '0', SANDBOX_PORT: '0', STORAGE: options.storage, DATA_DIR: dataDir,
    SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'), SANDBOX_SEED: seedPath, SANDBOX_EXPORT_DELAY_MS: '0', LOG_LEVEL: 'warn',
  });
  const bot = await startBot(config, { logSink: (record) => record.level === 'error' && errors.push(record), timers: false });
  const before = memory();

  const latencies = new Map<Step, number[]>(STEPS.map((s) => [s, []]));
  let requests = 0;
  const failures: string[] = [];
  const deadline = AbortSignal.timeout(options.timeLimitSeconds * 1000);
  const started = performance.now();

  const walk = async (person: (typeof people)[number]): Promise<void> => {
    const userId = `bench-${randomUUID()}`;
    const timed = async <T>(step: Step, work: () => Promise<T>): Promise<T> => {
      if (deadline.aborted) throw new Error('time limit reached');
      const at = performance.now();
      const result = await work();
      latencies.get(step)?.push(performance.now() - at);
      return result;
    };
    const send = async (activity: Record<string, unknown>): Promise<ReplyActivity[]> => {
      requests += 1;
      const response = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        signal: deadline,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          channelId: 'emulator', serviceUrl: connector.url, conversation: { id: `conv-${userId}` }, from: { id: userId },
          recipient: { id: 'bot' }, deliveryMode: 'expectReplies', id: randomUUID(), timestamp: new Date().toISOString(), locale: 'en-US', ...activity,
        }),
      });
      if (response.status !== 200) throw new Error(`bot answered ${response.status}`);
      return ((await response.json()) as { activities?: ReplyActivity[] }).activities ?? [];
    };
    const welcome = await timed('welcome', () => send({ type: 'message', text: 'hello' }));
    const signIn = await timed('startSignIn', () => send({ type: 'message', value: cardActionData(welcome, 'closure.start') }));
    const page = await timed('signInPage', () => {
      requests += 2;
      return submitSignInPage(signInLinkOf(signIn), person.upn, person.password);
    });
    const offer = await timed('magicCode', () => send({ type: 'message', text: magicCodeOf(page) }));
    const warning = await timed('skipExport', () => send({ type: 'message', value: cardActionData(offer, 'closure.skipExport') }));
    const outcome = await timed('confirmYes', () => send({ type: 'message', value: cardActionData(warning, 'closure.confirm') }));
    if (!outcome.some((a) => /has been closed/.test(a.text ?? ''))) throw new Error(`no closure: ${outcome.map((a) => a.text).join(' | ')}`);
  };

  const results = await Promise.allSettled(people.map((person) => walk(person)));
  const elapsedMs = performance.now() - started;
  for (const result of results) if (result.status === 'rejected') failures.push(String((result.reason as Error).message ?? result.reason));
  const after = memory();
  await bot.stop();
  await connector.stop();
  await rm(dataDir, { recursive: true, force: true });

  const closures = results.filter((r) => r.status === 'fulfilled').length;
  const report = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30) },
    settings: { users: options.users, storage: options.storage, timeLimitSeconds: options.timeLimitSeconds },
    elapsedMs: Math.round(elapsedMs),
    closures,
    failed: failures.length,
    failureSamples: [...new Set(failures)].slice(0, 5),
    loggedErrors: errors.length,
    throughput: { closuresPerSecond: round(closures / (elapsedMs / 1000)), requestsPerSecond: round(requests / (elapsedMs / 1000)) },
    latencyMs: Object.fromEntries(STEPS.map((step) => [step, summary(latencies.get(step) ?? [])])),
    memoryMB: { before, after },
  };
  await mkdir(path.dirname(options.output), { recursive: true });
  await writeFile(options.output, `${JSON.stringify(report, null, 2)}\n`);
  print(report);
  process.stdout.write(`written to ${path.relative(process.cwd(), options.output)}\n`);
}

function summary(values: number[]): { count: number; p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? 0 : round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]));
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

function memory(): { rss: number; heapUsed: number } {
  const usage = process.memoryUsage();
  return { rss: round(usage.rss / 2 ** 20), heapUsed: round(usage.heapUsed / 2 ** 20) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function print(report: { settings: Options | object; elapsedMs: number; closures: number; failed: number; throughput: object; latencyMs: Record<string, ReturnType<typeof summary>>; memoryMB: object }): void {
  const lines = [
    `settings: ${JSON.stringify(report.settings)}`,
    `closures: ${report.closures} done, ${report.failed} failed, in ${report.elapsedMs} ms; throughput ${JSON.stringify(report.throughput)}`,
    'step           count     p50     p95     p99     max  (ms)',
    ...Object.entries(report.latencyMs).map(([step, s]) =>
      `${step.padEnd(14)}${String(s.count).padStart(6)}${[s.p50, s.p95, s.p99, s.max].map((v) => v.toFixed(1).padStart(8)).join('')}`),
    `memory (MB): ${JSON.stringify(report.memoryMB)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
