import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { startBot } from '../../index';
import { cardActionData, signInThroughChat, startHarness, textsOf, TEST_SEED, type BotHarness } from '../support/botHarness';

// CLOSURE=graph is opted into here (the default is the hand-off): this suite is about the bot closing the account
// itself, and the test seed's unmanaged tenant holds the app's rights, as the demo's "Contoso Graph-rights demo" does.

const KIM = TEST_SEED.users[0];

/** Issue 12: the demo keeps working when its data folder is deleted under it, and a taken port names its setting. */
describe('the bot and its demo data', () => {
  let harness: BotHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('closes an account after the whole data folder was deleted while the bot ran (STORAGE=file)', async () => {
    harness = await startHarness({ CLOSURE: 'graph', STORAGE: 'file' });
    const first = harness.user();
    await signInThroughChat(first, await first.says('close my account'), KIM.upn, KIM.password);
    await rm(harness.dataDir, { recursive: true, force: true });

    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    assert.match(textsOf(afterCode), /organization is unmanaged/);
    const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
    assert.match(textsOf(await kim.presses(cardActionData(warning, 'closure.confirm'))), /has been closed/);
    assert.ok(
      harness.logs.some((r) => r.level === 'warn' && /had disappeared/.test(r.message)),
      'the re-created folder is logged',
    );
  });

  it("names PORT when the bot's port is taken", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const dataDir = await mkdtemp(path.join(tmpdir(), 'closure-bot-port-'));
    try {
      const config = loadConfig({
        PORT: String(port),
        SANDBOX_PORT: '0',
        STORAGE: 'memory',
        DATA_DIR: dataDir,
        SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
      });
      await assert.rejects(
        startBot(config, { host: '127.0.0.1', timers: false, logSink: () => undefined }),
        /already in use \(EADDRINUSE\).*set PORT to a free port/,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
