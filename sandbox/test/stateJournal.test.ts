import { strict as assert } from 'node:assert';
import { appendFile, cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startSandbox } from '../index';
import { ACCESS_TOKEN_LIFETIME_SECONDS } from '../appTokenRoutes';
import { bearer, createChannel, createClock, createTempDir, DEMO, getToken, signIn, startTestSandbox, type TestSandbox } from './helpers';

interface StateFile {
  version: number;
  tokens: Record<string, unknown>;
  tokenCache: unknown;
  magicCodes: unknown;
}

/**
 * The sandbox keeps its state as a snapshot (`state.json`) and a log of changes since (`state.log`), so a change
 * costs what it changed (issue 22: rewriting the whole file on every change slowed sign-ins to a crawl).
 */
describe('sandbox state: snapshot and change log', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => {
    await t.stop();
  });

  const readState = async (dir = t.dataDir) => JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as StateFile;
  const me = (url: string, token: string) => fetch(`${url}/v1.0/me`, { headers: bearer(token) });

  it('writes a sign-in as a few lines of the log, leaves the snapshot alone, and a copy taken at once (as a crash leaves it) knows the token', async () => {
    const snapshot = await readFile(path.join(t.dataDir, 'state.json'), 'utf8');
    const token = await signIn(t.sandbox, DEMO.ada.upn);
    assert.equal(await readFile(path.join(t.dataDir, 'state.json'), 'utf8'), snapshot);
    const lines = (await readFile(path.join(t.dataDir, 'state.log'), 'utf8')).split('\n').filter(Boolean);
    assert.ok(lines.length > 0 && lines.length < 10, `a handful of lines, got ${lines.length}`);
    assert.ok(
      lines.every((line) => line.length < 2_000),
      'each line one changed entry, never the whole state',
    );

    const copy = await createTempDir();
    try {
      await cp(t.dataDir, copy.dir, { recursive: true });
      const restarted = await startSandbox({ port: 0, dataDir: copy.dir, exportDelayMs: 60_000, clock: t.time.clock });
      try {
        assert.equal((await me(restarted.graphBaseUrl, token)).status, 200);
      } finally {
        await restarted.stop();
      }
    } finally {
      await copy.remove();
    }
  });

  it('skips a torn last line of the log (a crash in the middle of an append) and keeps everything before it', async () => {
    const token = await signIn(t.sandbox, DEMO.ada.upn);
    const copy = await createTempDir();
    try {
      await cp(t.dataDir, copy.dir, { recursive: true });
      await appendFile(path.join(copy.dir, 'state.log'), '{"c":"tokens","k":"abc","v":{"ki');
      const restarted = await startSandbox({ port: 0, dataDir: copy.dir, exportDelayMs: 60_000, clock: t.time.clock });
      try {
        assert.equal((await me(restarted.graphBaseUrl, token)).status, 200);
      } finally {
        await restarted.stop();
      }
    } finally {
      await copy.remove();
    }
  });

  it('folds the log into the snapshot at stop, dropping expired tokens', async () => {
    const token = await signIn(t.sandbox, DEMO.ada.upn);
    await t.restart();
    assert.equal(await readFile(path.join(t.dataDir, 'state.log'), 'utf8'), '');
    assert.equal(Object.keys((await readState()).tokens).length, 1);
    assert.equal((await me(t.sandbox.graphBaseUrl, token)).status, 200);

    t.time.advance(ACCESS_TOKEN_LIFETIME_SECONDS * 1000 + 1);
    await t.restart();
    assert.deepEqual((await readState()).tokens, {});
  });

  it('loads a state an earlier version wrote, with the codes and the token cache as lists', async () => {
    const channel = createChannel({ channelUserId: 'old-user' });
    await signIn(t.sandbox, DEMO.ada.upn, channel);
    await t.sandbox.stop();
    const state = await readState();
    const file = path.join(t.dataDir, 'state.json');
    await writeFile(
      file,
      JSON.stringify({
        ...state,
        version: 1,
        tokenCache: Object.values(state.tokenCache as Record<string, unknown>),
        magicCodes: Object.values(state.magicCodes as Record<string, unknown[]>).flat(),
      }),
    );
    await t.restart();
    assert.equal((await getToken(t.sandbox, channel)).status, 200, 'the cached token is still handed out');
    assert.equal((await readState()).version, 2);
  });

  it('starts from the seed with an empty log', async () => {
    const fresh = await createTempDir();
    try {
      const sandbox = await startSandbox({ port: 0, dataDir: fresh.dir, exportDelayMs: 60_000, clock: createClock().clock });
      await sandbox.stop();
      assert.equal(await readFile(path.join(fresh.dir, 'state.log'), 'utf8'), '');
      assert.equal((await readState(fresh.dir)).version, 2);
    } finally {
      await fresh.remove();
    }
  });
});
