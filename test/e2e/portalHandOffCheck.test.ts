import { strict as assert } from 'node:assert';
import { readFile, writeFile } from 'node:fs/promises';
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
  type ReplyActivity,
} from '../support/botHarness';
import { auditTypes, handOffCard, portalLinkOf } from '../support/handOffSteps';
import { openPortal } from '@account-closure-bot/sandbox/testing';

const KIM = TEST_SEED.users[0];

/** Sign in, skip the export, read the warning, press Yes: the same steps as a direct closure. */
async function handOff(harness: BotHarness): Promise<{ kim: ChatUser; replies: ReplyActivity[] }> {
  const kim = harness.user();
  const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
  const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
  assert.match(JSON.stringify(warning), /Closing your account is permanent/, 'the irreversible warning comes first');
  return { kim, replies: await kim.presses(cardActionData(warning, 'closure.confirm')) };
}

describe('the portal hand-off, verified, over the Emulator protocol (/api/messages)', () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  it('walks end to end: warning and Yes, the steps and link, still open before, the sandbox portal closes it, then "your account is closed"', async () => {
    harness = await startHarness({ CLOSURE: 'portal' });
    const { kim, replies } = await handOff(harness);
    assert.match(textsOf(replies), new RegExp(`Your account \\*\\*\u2068${KIM.upn}\u2069\\*\\* has not been closed yet`));
    assert.doesNotMatch(JSON.stringify(replies), /Yes, close my account/, 'no button in the chat claims to close it');
    const card = handOffCard(replies);
    const text = JSON.stringify(card);
    assert.ok(text.includes(KIM.upn), 'the account is named on the card');
    assert.match(text, /New export request first[\s\S]*Close account, read the warning, then select Yes/, 'export first, then close');
    const portalUrl = portalLinkOf(card);
    assert.equal(portalUrl, `${harness.bot.sandbox!.url}/portal/my-data-requests`);
    const check = cardActionData([{ attachments: [{ content: card }] }], 'closure.checkHandOff');

    assert.match(textsOf(await kim.presses(check)), /is still open: it still signs in/);

    const portal = await openPortal(portalUrl);
    assert.match(await portal.signIn(KIM.upn, KIM.password), /My data requests/);
    assert.match(await portal.requestExport(), /Your export request has been submitted[\s\S]*can take up to a month/);
    assert.match(await portal.closeAccount('yes'), /has been closed/);

    const answer = textsOf(await kim.presses(check));
    assert.match(answer, new RegExp(`Your account \\*\\*\u2068${KIM.upn}\u2069\\*\\* is closed`));
    const audit = await auditTypes(harness);
    assert.deepEqual(
      audit.filter((e) => /^(handedOff|stillOpen|closureVerified)/.test(e)),
      ['handedOff:configured', 'stillOpen:stillOpen', 'closureVerified:closureVerified'],
    );
    assert.match(textsOf(await kim.presses(check)), /already confirmed closed/, 'told once; a second press changes nothing');
    const page = await submitSignInPage(signInLinkOf(await harness.user().says('close my account')), KIM.upn, KIM.password);
    assert.match(page, /can no longer sign in|no account with that name/, 'the account really is gone');
  });

  it('answers "I can\'t confirm it yet" when the evidence is not positive (Graph answers 401), and never claims closed', async () => {
    harness = await startHarness({ CLOSURE: 'portal' });
    const { kim, replies } = await handOff(harness);
    const check = cardActionData([{ attachments: [{ content: handOffCard(replies) }] }], 'closure.checkHandOff');
    const portal = await openPortal(portalLinkOf(handOffCard(replies)));
    await portal.signIn(KIM.upn, KIM.password);
    await portal.closeAccount('yes');
    harness.bot.sandbox!.faults.inject({
      method: 'GET',
      path: /\/graph\/v1\.0\/me$/,
      respond: {
        status: 401,
        body: { error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' } },
      },
    });
    const answer = textsOf(await kim.presses(check));
    assert.match(answer, /I can't confirm it yet/);
    assert.doesNotMatch(answer, /Your account .* is closed/);
    assert.ok(!(await auditTypes(harness)).some((e) => e.startsWith('closureVerified')));
  });

  it('only the requester may ask for the check', async () => {
    harness = await startHarness({ CLOSURE: 'portal' });
    const { replies } = await handOff(harness);
    const check = cardActionData([{ attachments: [{ content: handOffCard(replies) }] }], 'closure.checkHandOff');
    assert.match(textsOf(await harness.user().presses(check)), /Only the person who asked/);
  });

  it('checks on its own schedule and tells the requester once the account is closed', async () => {
    harness = await startHarness({ CLOSURE: 'portal', HANDOFF_CHECK_INTERVAL_SECONDS: '0.2' });
    const { replies } = await handOff(harness);
    const portal = await openPortal(portalLinkOf(handOffCard(replies)));
    await portal.signIn(KIM.upn, KIM.password);
    await portal.closeAccount('yes');
    // The first background check is due one interval after the hand-off.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await harness.bot.checkHandOffs(), 1);
    const told = harness.connector.received
      .map((r) => (typeof r.activity.text === 'string' ? r.activity.text : ''))
      .filter((t) => /is closed/.test(t));
    assert.equal(told.length, 1);
    assert.match(told[0] ?? '', new RegExp(KIM.upn));
    assert.equal(await harness.bot.checkHandOffs(), 0, 'nothing left to check');
    assert.ok((await auditTypes(harness)).includes('closureVerified:closureVerified'));
  });

  it('keeps the verdict owed when its send fails, and tells it on the next pass (issue 19: delivery is a state)', async () => {
    harness = await startHarness({ CLOSURE: 'portal', HANDOFF_CHECK_INTERVAL_SECONDS: '0.2' });
    const { replies } = await handOff(harness);
    const requestId = cardActionData(replies, 'closure.checkHandOff').requestId;
    const portal = await openPortal(portalLinkOf(handOffCard(replies)));
    await portal.signIn(KIM.upn, KIM.password);
    await portal.closeAccount('yes');
    await new Promise((resolve) => setTimeout(resolve, 300));
    harness.connector.failSends(503);
    await harness.bot.checkHandOffs();
    const owed = JSON.parse(await readFile(path.join(harness.dataDir, 'handOffChecks', `${requestId}.json`), 'utf8')) as {
      value: { ended?: boolean; conversation?: unknown; tellAttempts?: number };
    };
    assert.equal(owed.value.ended, true);
    assert.ok(owed.value.conversation, 'the reference stays while the verdict is owed');
    assert.equal(owed.value.tellAttempts, 1);

    harness.connector.failSends(undefined);
    // The runner counts the owed answer told on this pass as its one piece of work; nothing is checked again.
    assert.equal(await harness.bot.checkHandOffs(), 1, 'the one owed answer is told');
    const told = harness.connector.received
      .map((r) => (typeof r.activity.text === 'string' ? r.activity.text : ''))
      .filter((t) => /is closed/.test(t));
    assert.equal(told.length, 1);
    const after = JSON.parse(await readFile(path.join(harness.dataDir, 'handOffChecks', `${requestId}.json`), 'utf8')) as {
      value: { conversation?: unknown; upn?: string };
    };
    assert.equal(after.value.conversation, undefined, 'told: the personal fields go');
    assert.equal(after.value.upn, undefined);
    await harness.bot.checkHandOffs();
    assert.equal(
      harness.connector.received.filter((r) => /is closed/.test(typeof r.activity.text === 'string' ? r.activity.text : '')).length,
      1,
      'told once',
    );
  });

  it("ends the account's other warning when the hand-off is verified closed (issue 19: the account is the unit of truth)", async () => {
    harness = await startHarness({ CLOSURE: 'portal', HANDOFF_CHECK_INTERVAL_SECONDS: '0.2' });
    const { replies } = await handOff(harness);
    const other = harness.user();
    const otherCode = await signInThroughChat(other, await other.says('close my account'), KIM.upn, KIM.password);
    const otherWarning = await other.presses(cardActionData(otherCode, 'closure.skipExport'));
    const portal = await openPortal(portalLinkOf(handOffCard(replies)));
    await portal.signIn(KIM.upn, KIM.password);
    await portal.closeAccount('yes');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await harness.bot.checkHandOffs();

    const toOther = harness.connector.received
      .filter((r) => r.conversationId === `conv-${other.userId}`)
      .map((r) => (typeof r.activity.text === 'string' ? r.activity.text : ''));
    assert.ok(
      toOther.some((t) => /closed from another chat/.test(t)),
      toOther.join('\n'),
    );
    const no = textsOf(await other.presses(cardActionData(otherWarning, 'closure.decline')));
    assert.match(no, /closed from another chat/);
    assert.doesNotMatch(no, /kept|Nothing was closed/);
  });
});

describe('CLOSURE=graph findings over /api/messages: every refusal becomes the hand-off, never "still closing"', () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  it("hands off at once when the app has no service principal in the user's tenant (AADSTS7000229), with no retries", async () => {
    const seed = { ...TEST_SEED, tenants: TEST_SEED.tenants.map((t, i) => (i === 0 ? { ...t, appServicePrincipal: false } : t)) };
    const dataDir = path.join(await import('node:os').then((os) => os.tmpdir()), `seed-${process.pid}-${Date.now()}.json`);
    await writeFile(dataDir, JSON.stringify(seed));
    harness = await startHarness({ CLOSURE: 'graph', SANDBOX_SEED: dataDir });
    const { replies } = await handOff(harness);
    const text = textsOf(replies);
    assert.match(text, /has no access to your organization[\s\S]*has not been closed yet/);
    assert.doesNotMatch(text, /taking longer|didn't succeed/);
    const audit = await auditTypes(harness);
    assert.ok(audit.includes('handedOff:noAppToken'), audit.join(', '));
    assert.ok(!audit.some((e) => e.startsWith('closeFailed')));
    assert.equal(await harness.bot.background.reconcileClosures(), 0, 'nothing left for the reconciler to retry');
  });
});
