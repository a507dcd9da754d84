import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, TEST_SEED } from '../support/botHarness';
import { startBotProcess, type NodeProcess } from '../support/botProcess';
import { startConnectorStub, type ConnectorStub } from '../support/connectorStub';
import { emulatorReplies, type EmulatorAddress } from '../support/emulatorActivity';

/**
 * STORAGE=file writes conversation state without fsync (issue 22): the temp file + rename stays, so a state the bot
 * answered with is in the kernel's page cache and outlives the process. Here the process dies by SIGKILL right
 * after its answer, with no shutdown of any kind, and a new process on the same data folder carries on.
 */
describe('conversation state on files, across a SIGKILL of the bot process', function () {
  // Two real bot processes (about 2 s each with tsx; a busy machine takes several times that).
  this.timeout(90_000);
  let dataDir: string;
  let connector: ConnectorStub;
  let bot: NodeProcess | undefined;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'file-state-kill-'));
    await writeFile(path.join(dataDir, 'seed.json'), JSON.stringify(TEST_SEED));
    connector = await startConnectorStub();
  });
  after(async () => {
    await bot?.stop();
    await connector?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = () =>
    startBotProcess({
      STORAGE: 'file',
      DATA_DIR: dataDir,
      SANDBOX_PORT: '0',
      SANDBOX_DATA_DIR: path.join(dataDir, 'sandbox'),
      SANDBOX_SEED: path.join(dataDir, 'seed.json'),
      LOG_LEVEL: 'warn',
    });

  it('keeps the sign-in prompt waiting, so the code typed after the restart signs the user in', async () => {
    bot = await start();
    const address: EmulatorAddress = { serviceUrl: connector.url, userId: 'killed-user', conversationId: 'conv-killed' };
    const welcome = await emulatorReplies(bot.url, address, { type: 'message', text: 'hello' });
    const signIn = await emulatorReplies(bot.url, address, { type: 'message', value: cardActionData(welcome, 'closure.start') });
    const page = await submitSignInPage(signInLinkOf(signIn), TEST_SEED.users[0].upn, TEST_SEED.users[0].password);

    bot.kill('SIGKILL');
    assert.deepEqual(await bot.waitForExit(), { code: null, signal: 'SIGKILL' });
    bot = await start();

    const replies = await emulatorReplies(bot.url, address, { type: 'message', text: magicCodeOf(page) });
    const texts = replies.map((reply) => reply.text ?? '').join('\n');
    assert.match(texts, /You're signed in as/);
    assert.ok(cardActionData(replies, 'closure.skipExport'), 'the export offer follows, as without the restart');
  });
});
