import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../config/config';
import { startBot, type RunningBot } from '../../index';
import { startSandbox, type Sandbox, sandboxControlRoutes } from '@account-closure-bot/sandbox';
import { createLogger, type LogRecord } from '../../services/logger';
import { azuriteAccount, type RunningAzurite } from '../support/azurite';
import { TEST_SEED } from '../support/botHarness';
import { startConnectorStub, type ConnectorStub } from '../support/connectorStub';
import { since, teamsClient, teamsConversation, teamsMember, textsIn } from './teamsClient';
import { exchangesLogged, exchangeValue, oauthCardIn, ssoTokenFor } from './teamsFlow';

const KIM = TEST_SEED.users[0];

/**
 * Teams may deliver the same `signin/tokenExchange` (one per signed-in client) to two instances of the bot.
 * Two bots in this process share one sandbox (SANDBOX_URL), one Azurite container (STORAGE=blob) and one
 * connector stub, as instances of one App Service share the storage account.
 */
describe('Teams SSO dedupe across two bot instances on one blob storage', function () {
  this.timeout(60_000);
  let azurite: RunningAzurite;
  let sandbox: Sandbox;
  let connector: ConnectorStub;
  let dir: string;
  const bots: RunningBot[] = [];
  const sandboxLogs: LogRecord[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'teams-instances-'));
    azurite = await azuriteAccount();
    connector = await startConnectorStub();
    const logger = createLogger('shared', (record) => sandboxLogs.push(record), 'debug');
    sandbox = await startSandbox({
      port: 0,
      dataDir: path.join(dir, 'sandbox'),
      seed: TEST_SEED,
      exportDelayMs: 0,
      logger,
      extraRoutes: (self) => sandboxControlRoutes({ sandbox: self, enableFaults: false, logger }),
    });
    const container = `teams-${randomUUID().slice(0, 8)}`;
    for (let instance = 0; instance < 2; instance++) {
      const config = loadConfig({
        PORT: '0',
        DATA_DIR: dir,
        SANDBOX_URL: sandbox.url,
        LOG_LEVEL: 'debug',
        STORAGE: 'blob',
        STORAGE_BLOB_CONNECTION_STRING: azurite.connectionString,
        STORAGE_BLOB_CONTAINER: container,
      });
      // One after the other: the first creates the audit hash key under DATA_DIR, the second reads it.
      bots.push(await startBot(config, { logSink: () => undefined, host: '127.0.0.1', timers: false }));
    }
  });

  after(async () => {
    for (const bot of bots) await bot.stop();
    await sandbox?.stop();
    await connector?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets exactly one of two concurrent exchanges with the same id, sent to different instances, reach the dialog', async () => {
    const member = teamsMember('Kim Akers', KIM.id);
    const conversation = teamsConversation('personal');
    const [onFirst, onSecond] = bots.map((bot) => teamsClient(bot.url, connector, member, conversation));
    const mark = connector.received.length;
    await onFirst.says('close my account');
    const card = oauthCardIn(connector, mark);
    const token = await ssoTokenFor(sandbox.loginBaseUrl, KIM.upn, KIM.password);
    const afterCard = connector.received.length;
    const exchangesBefore = exchangesLogged(sandboxLogs);

    const answers = await Promise.all([
      onFirst.invoke('signin/tokenExchange', exchangeValue(card, token)),
      onSecond.invoke('signin/tokenExchange', exchangeValue(card, token)),
    ]);

    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200],
    );
    assert.equal(answers.filter((a) => a.body === undefined).length, 1, 'the instance that lost the race answers an empty 200');
    assert.equal(
      (textsIn(since(connector, afterCard)).match(/signed in as \*\*\u2068Kim Akers\u2069\*\*/g) ?? []).length,
      1,
      'the dialog ran once',
    );
    // Each middleware exchanges before it dedupes; the winner's OAuthPrompt exchanges once more.
    assert.equal(exchangesLogged(sandboxLogs) - exchangesBefore, 3);
  });
});
