import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { startBot, type RunningBot } from '../../index';
import type { LogRecord } from '../../services/logger';
import { FAKE_ISSUED_TOKEN, startFakeDirectLine, type FakeDirectLine } from './fakeDirectLine';

const SECRET = 'azure-dl-secret-8TqK2mWn';

/** Azure mode as App Service runs it, but every outside URL on loopback; nothing is called at start-up. */
function azureEnv(dataDir: string, directLine: FakeDirectLine, extra: Record<string, string>): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    STORAGE: 'memory',
    LOG_LEVEL: 'debug',
    DIRECTORY: 'graph',
    MicrosoftAppType: 'UserAssignedMSI',
    MicrosoftAppId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
    MicrosoftAppTenantId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
    GRAPH_BASE_URL: 'http://127.0.0.1:9/graph',
    LOGIN_BASE_URL: 'http://127.0.0.1:9/login',
    EXPORT_STORAGE_LOCATION: 'https://account.blob.core.windows.net/exports',
    AUDIT_HASH_KEY: Buffer.alloc(32, 7).toString('base64'),
    DIRECT_LINE_BASE_URL: directLine.url,
    ...extra,
  };
}

describe('the web chat in Azure mode (composition root)', () => {
  let directLine: FakeDirectLine;
  let dataDir: string;
  let bot: RunningBot | undefined;
  const logs: LogRecord[] = [];

  beforeEach(async () => {
    directLine = await startFakeDirectLine();
    dataDir = await mkdtemp(path.join(tmpdir(), 'webchat-azure-'));
    logs.length = 0;
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await directLine.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(extra: Record<string, string>): Promise<RunningBot> {
    bot = await startBot(loadConfig(azureEnv(dataDir, directLine, extra)), { logSink: (record) => logs.push(record), timers: false });
    return bot;
  }

  async function askForToken(running: RunningBot): Promise<{ status: number; text: string }> {
    const response = await fetch(`${running.url}/api/webchat/token`, {
      method: 'POST',
      headers: { origin: running.url, 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: response.status, text: await response.text() };
  }

  it('answers 503 when no DIRECT_LINE_SECRET is set (the log names the setting, the visitor reads why in words), and still serves the page', async () => {
    const running = await start({});
    const { status, text } = await askForToken(running);
    assert.equal(status, 503);
    assert.match(text, /The web chat is not set up on this server yet/);
    assert.ok(logs.some((record) => /DIRECT_LINE_SECRET/.test(record.message)));
    assert.equal(directLine.requests.length, 0);
    assert.equal((await fetch(`${running.url}/`)).status, 200);
  });

  it('exchanges DIRECT_LINE_SECRET at DIRECT_LINE_BASE_URL and never logs or returns it', async () => {
    const running = await start({ DIRECT_LINE_SECRET: SECRET });
    const { status, text } = await askForToken(running);
    assert.equal(status, 200);
    assert.equal((JSON.parse(text) as { token?: string }).token, FAKE_ISSUED_TOKEN);
    assert.equal(directLine.requests[0].authorization, `Bearer ${SECRET}`);
    assert.ok(!text.includes(SECRET));
    assert.ok(!JSON.stringify(logs).includes(SECRET), 'the secret is not in the log');
  });
});
