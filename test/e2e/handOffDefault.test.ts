import { strict as assert } from 'node:assert';
import path from 'node:path';
import type { AnswerShape } from '@account-closure-bot/sandbox';
import {
  cardActionData,
  signInThroughChat,
  startHarness,
  textsOf,
  TEST_SEED,
  type BotHarness,
  type ChatUser,
  type ReplyActivity,
} from '../support/botHarness';
import { auditTypes, handOffCard, portalLinkOf } from '../support/handOffSteps';
import { openPortal } from '@account-closure-bot/sandbox/testing';

const KIM = TEST_SEED.users[0];

/** Sign in and skip the export with the default settings: the warning of the hand-off path. */
async function reachWarning(harness: BotHarness): Promise<{ kim: ChatUser; warning: ReplyActivity[] }> {
  const kim = harness.user();
  const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
  return { kim, warning: await kim.presses(cardActionData(afterCode, 'closure.skipExport')) };
}

/** Warning, Continue, the account closed on the sandbox's "My data requests" page: the check button's data. */
async function closedOnThePortal(harness: BotHarness): Promise<{ kim: ChatUser; check: Record<string, string>; warning: ReplyActivity[] }> {
  const { kim, warning } = await reachWarning(harness);
  const card = handOffCard(await kim.presses(cardActionData(warning, 'closure.confirm')));
  const portal = await openPortal(portalLinkOf(card));
  await portal.signIn(KIM.upn, KIM.password);
  assert.match(await portal.closeAccount('yes'), /has been closed/);
  return { kim, warning, check: cardActionData([{ attachments: [{ content: card }] }], 'closure.checkHandOff') };
}

describe('the hand-off, the path Azure takes, with the default settings (issue 18)', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it("says on the warning that the closing happens on Microsoft's page with its own Yes, and that its button continues there", async () => {
    const { kim, warning } = await reachWarning(harness);
    const card = JSON.stringify(warning);
    assert.match(card, /Continue to Microsoft's page/);
    assert.match(card, /The closing happens on Microsoft's page, with its own Yes/);
    assert.doesNotMatch(card, /Yes, close my account|Pressing Yes closes the account/);
    const replies = await kim.presses(cardActionData(warning, 'closure.confirm'));
    assert.match(textsOf(replies), new RegExp(`Your account \\*\\*\u2068${KIM.upn}\u2069\\*\\* has not been closed yet`));
    assert.ok((await auditTypes(harness)).includes('handedOff:configured'));
  });

  it('answers help and typed text at the warning with what its button does, never "press Yes, close my account"', async () => {
    const { kim } = await reachWarning(harness);
    const help = textsOf(await kim.says('help'));
    assert.match(
      help,
      /I close nothing myself: the account is closed only when you select \*\*Close account\*\* and then \*\*Yes\*\* on Microsoft's page/,
    );
    assert.match(help, /\*\*Continue to Microsoft's page\*\* or \*\*No, keep it\*\*/);
    const typed = textsOf(await kim.says('yes'));
    assert.match(typed, /that closes nothing yet: you close the account on Microsoft's page, with its own \*\*Yes\*\*/);
    assert.doesNotMatch(help + typed, /Yes, close my account/);
  });

  it('offers the export as what Microsoft gives (system-generated logs, up to a month), hands it off, and promises no message', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    const offer = JSON.stringify(afterCode);
    assert.match(offer, /system-generated logs/);
    assert.match(offer, /up to a month/);
    assert.doesNotMatch(offer, /a copy of the data this organization holds|message you/i);
    const answer = textsOf(await kim.presses(cardActionData(afterCode, 'closure.export')));
    assert.match(answer, /New export request[\s\S]*system-generated logs[\s\S]*up to a month/);
    assert.ok(answer.includes(`${harness.bot.sandbox!.url}/portal/my-data-requests`), 'the page is named');
    assert.doesNotMatch(answer, /message you|day or two/i);
    const audit = await auditTypes(harness);
    assert.ok(audit.includes('exportHandedOff'), audit.join(', '));
    assert.ok(!audit.some((e) => e.startsWith('exportRequested') || e.startsWith('exportSkipped')), audit.join(', '));
  });

  it("reads only a 404 with Graph's Request_ResourceNotFound as closed, through the /me shapes the sandbox can answer", async () => {
    const { kim, check } = await closedOnThePortal(harness);
    const shapes: Array<[AnswerShape, RegExp]> = [
      ['proxyHtml404', /doesn't say whether the account exists/],
      ['graphUnknownError404', /doesn't say whether the account exists/],
      ['graphUnauthorized401', /refused your account's sign-in/],
      ['graphForbidden403', /doesn't say whether the account exists/],
      ['graphServerError500', /didn't answer just now/],
    ];
    for (const [shape, why] of shapes) {
      harness.bot.sandbox!.faults.inject({ method: 'GET', path: /^\/graph\/v1\.0\/me$/, respond: shape });
      const answer = textsOf(await kim.presses(check));
      assert.match(answer, /^I can't confirm it yet\./, `${shape}: ${answer}`);
      assert.match(answer, why, `${shape}: ${answer}`);
      assert.doesNotMatch(answer, /is closed: Microsoft's directory no longer knows it/, shape);
      assert.deepEqual(
        harness.bot.sandbox!.faults.fired().map((f) => f.path),
        ['/graph/v1.0/me'],
        `${shape} reached the probe`,
      );
      harness.bot.sandbox!.faults.clear();
    }
    assert.ok(!(await auditTypes(harness)).some((e) => e.startsWith('closureVerified')), 'no shape was taken as evidence');
    assert.match(textsOf(await kim.presses(check)), /is closed: Microsoft's directory no longer knows it/, "Graph's own 404 is");
  });

  it('answers an old warning button with the verdict once the closure is verified, and offers nothing that acts', async () => {
    const { kim, check, warning } = await closedOnThePortal(harness);
    assert.match(textsOf(await kim.presses(check)), /is closed/);
    for (const action of ['closure.confirm', 'closure.decline']) {
      const replies = await kim.presses(cardActionData(warning, action));
      assert.match(textsOf(replies), /your account is confirmed closed/, action);
      assert.deepEqual(
        replies.flatMap((r) => r.attachments ?? []),
        [],
        `${action}: no card, so no button`,
      );
    }
    const again = await kim.presses(check);
    assert.match(textsOf(again), /already confirmed closed/);
    assert.deepEqual(
      again.flatMap((r) => r.attachments ?? []),
      [],
    );
  });
});

describe('CLOSURE=graph with the demo seed: the opt-in closes only where the app holds the rights (issue 18)', () => {
  const DEMO_SEED = path.resolve(__dirname, '../../sandbox/demoSeed.json');
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness({ CLOSURE: 'graph', SANDBOX_SEED: DEMO_SEED });
  });
  afterEach(async () => {
    await harness.stop();
  });

  async function pressYes(upn: string): Promise<string> {
    const user = harness.user();
    const afterCode = await signInThroughChat(user, await user.says('close my account'), upn, 'Passw0rd!');
    const warning = await user.presses(cardActionData(afterCode, 'closure.skipExport'));
    assert.match(JSON.stringify(warning), /Yes, close my account/, 'in graph mode the Yes closes');
    return textsOf(await user.presses(cardActionData(warning, 'closure.confirm')));
  }

  it('closes the account of the "Contoso Graph-rights demo" tenant directly', async () => {
    assert.match(
      await pressYes('katherine@graphrights.example'),
      /Your account \*\*\u2068katherine@graphrights\.example\u2069\*\* has been closed/,
    );
  });

  it("hands off Fabrikam Volunteers' account, as Entra refuses the app token there (no service principal)", async () => {
    const answer = await pressYes('ada@fabrikamvolunteers.example');
    assert.match(answer, /has no access to your organization[\s\S]*has not been closed yet/);
    assert.ok((await auditTypes(harness)).includes('handedOff:noAppToken'));
  });
});
