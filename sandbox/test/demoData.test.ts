import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { startSandbox } from '../index';
import { isListening, resetDemoData } from '../reset';
import { createLogger, type LogRecord } from '../logger';
import { DEMO, appToken, bearer, createTempDir, signIn } from './helpers';

/** Issue 12: the demo can be reset, notices a changed seed, and survives its data folder being deleted. */
describe('sandbox demo data', () => {
  let temp: Awaited<ReturnType<typeof createTempDir>>;
  beforeEach(async () => {
    temp = await createTempDir();
  });
  afterEach(() => temp.remove());

  it('sandbox:reset removes the saved directory and the bot data, and the next start has the closed user back', async () => {
    const sandboxDir = path.join(temp.dir, 'sandbox');
    let sandbox = await startSandbox({ port: 0, dataDir: sandboxDir, exportDelayMs: 0 });
    const app = bearer(await appToken(sandbox, DEMO.graphRights.id));
    assert.equal((await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${DEMO.dorothy.id}`, { method: 'DELETE', headers: app })).status, 204);
    await sandbox.stop();
    const botDir = path.join(temp.dir, 'bot');
    await mkdir(path.join(botDir, 'locks'), { recursive: true });
    await writeFile(path.join(botDir, 'locks', 'account.json'), '{"value":{"requestId":"cr_old"}}');

    const removed = await resetDemoData({ sandboxDataDir: sandboxDir, botDataDir: botDir });
    assert.deepEqual(removed, [path.resolve(sandboxDir), path.resolve(botDir)]);
    await assert.rejects(stat(botDir), /ENOENT/);

    sandbox = await startSandbox({ port: 0, dataDir: sandboxDir, exportDelayMs: 0 });
    try {
      const again = bearer(await appToken(sandbox, DEMO.graphRights.id));
      assert.equal((await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${DEMO.dorothy.id}`, { headers: again })).status, 200);
    } finally {
      await sandbox.stop();
    }
  });

  it('sandbox:reset refuses a data setting that points at the working folder', async () => {
    await assert.rejects(resetDemoData({ sandboxDataDir: path.join(temp.dir, 'sandbox'), botDataDir: '.' }), /working folder/);
  });

  it('tells whether the bot or the sandbox still listens, so the reset can refuse', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    assert.equal(await isListening(port), true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(await isListening(port), false);
  });

  it('warns once at start-up when the seed changed since the state was saved', async () => {
    const logs: LogRecord[] = [];
    const logger = createLogger('test', (record) => logs.push(record), 'debug');
    const seed = JSON.parse(await readFile(path.resolve(__dirname, '../demoSeed.json'), 'utf8')) as {
      tenants: Array<{ displayName: string }>;
    };
    const first = await startSandbox({ port: 0, dataDir: temp.dir, exportDelayMs: 0, logger });
    await first.stop();
    const same = await startSandbox({ port: 0, dataDir: temp.dir, exportDelayMs: 0, logger });
    await same.stop();
    assert.equal(logs.filter((r) => /seed changed/.test(r.message)).length, 0, 'the same seed: no warning');
    const changed = { ...seed, tenants: seed.tenants.map((t, i) => (i === 0 ? { ...t, displayName: `${t.displayName} (edited)` } : t)) };
    const sandbox = await startSandbox({ port: 0, dataDir: temp.dir, exportDelayMs: 0, logger, seed: changed as never });
    await sandbox.stop();
    const warnings = logs.filter((r) => /seed changed/.test(r.message));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.level, 'warn');
    assert.match(warnings[0]?.message ?? '', /npm run sandbox:reset/);
  });

  it('survives its data folder being deleted while it runs: the next sign-in works and the state is written again', async () => {
    const logs: LogRecord[] = [];
    const sandbox = await startSandbox({
      port: 0,
      dataDir: temp.dir,
      exportDelayMs: 0,
      logger: createLogger('test', (record) => logs.push(record), 'debug'),
    });
    try {
      await signIn(sandbox, DEMO.megan.upn);
      await rm(temp.dir, { recursive: true, force: true });
      const token = await signIn(sandbox, DEMO.megan.upn);
      assert.equal((await fetch(`${sandbox.graphBaseUrl}/v1.0/me`, { headers: bearer(token) })).status, 200);
      await stat(path.join(temp.dir, 'state.json'));
      assert.ok(
        logs.some((r) => r.level === 'warn' && /had disappeared/.test(r.message)),
        'a warning says the folder was recreated',
      );
    } finally {
      await sandbox.stop();
    }
  });

  it('names SANDBOX_PORT when its port is taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await assert.rejects(
        startSandbox({ port, host: '127.0.0.1', dataDir: temp.dir, exportDelayMs: 0 }),
        /already in use \(EADDRINUSE\).*set SANDBOX_PORT to a free port/,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
