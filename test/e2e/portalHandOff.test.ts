import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  cardActionData,
  signInLinkOf,
  signInThroughChat,
  startHarness,
  submitSignInPage,
  textsOf,
  TEST_SEED,
  type BotHarness,
  type ChatUser,
} from '../support/botHarness';

const KIM = TEST_SEED.users[0];

async function pressYes(harness: BotHarness): Promise<{ kim: ChatUser; replies: string }> {
  const kim = harness.user();
  const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
  const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
  return { kim, replies: textsOf(await kim.presses(cardActionData(warning, 'closure.confirm'))) };
}

async function auditTypes(harness: BotHarness): Promise<string[]> {
  const lines = (await readFile(path.join(harness.dataDir, 'audit', 'audit.jsonl'), 'utf8')).trim().split('\n');
  return lines.map((line) => {
    const event = JSON.parse(line) as { type: string; detail?: string };
    return `${event.type}${event.detail ? `:${event.detail}` : ''}`;
  });
}

describe('the portal hand-off over /api/messages', () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  it('with CLOSURE=portal says why, names the account, records the hand-off, and closes nothing', async () => {
    harness = await startHarness({ CLOSURE: 'portal' });
    const { replies } = await pressYes(harness);
    assert.match(
      replies,
      /This bot hands closures to Microsoft's own page[\s\S]*Your account \*\*\u2068kim@tailspin\.example\u2069\*\* has not been closed yet/,
    );
    assert.ok((await auditTypes(harness)).includes('handedOff:configured'));
    const page = await submitSignInPage(signInLinkOf(await harness.user().says('close my account')), KIM.upn, KIM.password);
    assert.match(page, /magic-code/, 'the account still signs in');
  });

  it('falls back to the hand-off, saying why, when Graph answers 403', async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
    harness.bot.sandbox!.faults.inject({
      method: 'DELETE',
      path: /\/graph\/v1\.0\/users\//,
      respond: {
        status: 403,
        body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } },
      },
    });
    const { replies } = await pressYes(harness);
    assert.match(replies, /This bot isn't allowed to close accounts in your organization[\s\S]*has not been closed yet/);
    assert.ok((await auditTypes(harness)).includes('handedOff:forbidden'));
  });

  it('tells the user it is taking longer when the directory keeps failing, and leaves the request to the reconciler', async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
    harness.bot.sandbox!.faults.inject({
      method: 'DELETE',
      path: /\/graph\/v1\.0\/users\//,
      times: 10,
      respond: { status: 503, body: { error: { code: 'serviceNotAvailable', message: 'down' } } },
    });
    const { replies } = await pressYes(harness);
    assert.match(replies, /taking longer than usual/);
    harness.bot.sandbox!.faults.clear();
    // The lease of the first attempt has not run out yet: the reconciler leaves the request alone.
    assert.equal(await harness.bot.background.reconcileClosures(), 0);
  });
});
