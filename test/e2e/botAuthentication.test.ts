import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startHarness, type BotHarness } from '../support/botHarness';

const APP_ID = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';
const TENANT_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

async function stateFiles(harness: BotHarness): Promise<string[]> {
  return readdir(path.join(harness.dataDir, 'state')).catch(() => []);
}

describe('Bot Framework authentication on /api/messages', () => {
  describe('with an app id set', () => {
    let harness: BotHarness;
    before(async () => {
      harness = await startHarness({
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppId: APP_ID,
        MicrosoftAppTenantId: TENANT_ID,
        MicrosoftAppPassword: 'not-a-real-secret',
      });
    });
    after(async () => {
      await harness.stop();
    });

    it('answers 401 to an activity without a token, and the bot never sees it', async () => {
      const response = await harness.user().send({ type: 'message', text: 'close my account' });
      assert.equal(response.status, 401);
      assert.deepEqual(await stateFiles(harness), []);
    });

    it('answers 401 to an activity with a token that is not a Bot Framework JWT', async () => {
      const response = await fetch(`${harness.bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
        body: JSON.stringify({
          type: 'message',
          text: 'close my account',
          channelId: 'emulator',
          serviceUrl: harness.connector.url,
          conversation: { id: 'c' },
          from: { id: 'u' },
          recipient: { id: 'b' },
        }),
      });
      assert.equal(response.status, 401);
      assert.deepEqual(await stateFiles(harness), []);
      assert.equal(harness.connector.received.length, 0);
    });
  });

  describe('without an app id (sandbox, Emulator)', () => {
    it('accepts activities without a token', async () => {
      const harness = await startHarness();
      try {
        const response = await harness.user().send({ type: 'message', text: 'hello' });
        assert.equal(response.status, 200);
      } finally {
        await harness.stop();
      }
    });
  });
});
