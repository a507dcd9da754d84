import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  cardActionData,
  magicCodeOf,
  signInLinkOf,
  signInThroughChat,
  startHarness,
  submitSignInPage,
  textsOf,
  TEST_SEED,
  type BotHarness,
} from '../support/botHarness';
import { buttonsOn } from '../../cards/cardActions';

// CLOSURE=graph is opted into here (the default is the hand-off): this suite is about the bot closing the account
// itself, and the test seed's unmanaged tenant holds the app's rights, as the demo's "Contoso Graph-rights demo" does.

const KIM = TEST_SEED.users[0];

describe('the closure conversation over /api/messages, as the Emulator speaks it', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness({ CLOSURE: 'graph' });
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('closes an unmanaged account after sign-in, a skipped export and a pressed Yes, and the account is gone', async () => {
    const kim = harness.user();
    const signInCard = await kim.says('close my account');
    const afterCode = await signInThroughChat(kim, signInCard, KIM.upn, KIM.password);
    assert.match(
      textsOf(afterCode),
      /signed in as \*\*\u2068Kim Akers\u2069\*\* \(\u2068kim@tailspin\.example\u2069\) of \*\*\u2068Tailspin Hobbyists\u2069\*\*/,
    );
    assert.match(textsOf(afterCode), /organization is unmanaged/);

    const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
    const yes = cardActionData(warning, 'closure.confirm');
    const closed = await kim.presses(yes);
    assert.match(textsOf(closed), /Your account \*\*\u2068kim@tailspin\.example\u2069\*\* has been closed\. Request id: `cr_[0-9a-f]{32}`/);

    const page = await submitSignInPage(signInLinkOf(await kim.says('close my account')), KIM.upn, KIM.password);
    assert.doesNotMatch(page, /magic-code/, 'no code for a closed account');
    assert.match(page, /This account has been closed/);
    const graph = await fetch(`${harness.bot.sandbox!.graphBaseUrl}/v1.0/users/${KIM.id}`, {
      headers: {
        authorization: `Bearer ${(await harness.bot.sandbox!.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: KIM.tenantId }))!.token}`,
      },
    });
    assert.equal(graph.status, 404);

    const audit = await readFile(path.join(harness.dataDir, 'audit', 'audit.jsonl'), 'utf8');
    assert.deepEqual(
      audit
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { type: string }).type),
      ['signedIn', 'realmChecked', 'exportOffered', 'exportSkipped', 'warningShown', 'confirmed', 'realmChecked', 'closing', 'closed'],
    );
    assert.ok(!audit.includes(KIM.upn) && !audit.includes('Kim'), 'the audit holds no UPN or name');
  });

  it('never writes the password, the magic code, the card nonce or the UPN into a log line', async () => {
    const kim = harness.user();
    const code = magicCodeOf(await submitSignInPage(signInLinkOf(await kim.says('close my account')), KIM.upn, KIM.password));
    const afterCode = await kim.says(code);
    const yes = cardActionData(await kim.presses(cardActionData(afterCode, 'closure.skipExport')), 'closure.confirm');
    await kim.presses(yes);
    const logs = JSON.stringify(harness.logs);
    assert.ok(harness.logs.length > 10, 'the run was logged at debug level');
    for (const secret of [KIM.password, code, yes.nonce, KIM.upn])
      assert.ok(!logs.includes(secret), `a log line contains "${secret.slice(0, 3)}..."`);
  });

  it('logs each component under one namespace of its own, with no segment repeated', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    await kim.presses(cardActionData(await kim.presses(cardActionData(afterCode, 'closure.skipExport')), 'closure.confirm'));
    const namespaces = [...new Set(harness.logs.map((r) => r.namespace))].sort();
    for (const namespace of namespaces) {
      const segments = namespace.split(':');
      assert.equal(new Set(segments).size, segments.length, `"${namespace}" names a component twice`);
    }
    for (const component of ['bot:closer', 'bot:realm', 'bot:sandbox:signin'])
      assert.ok(namespaces.includes(component), `nothing logged under "${component}": ${namespaces.join(', ')}`);
  });

  it('answers a second press of the same Yes with "already closed"', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    const yes = cardActionData(await kim.presses(cardActionData(afterCode, 'closure.skipExport')), 'closure.confirm');
    await kim.presses(yes);
    assert.match(textsOf(await kim.presses(yes)), /already been closed/);
  });

  it('does not close anything when the user types yes instead of pressing the card', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
    assert.match(textsOf(await kim.says('yes')), /Typing doesn't close your account/);
    assert.match(await submitSignInPage(signInLinkOf(await harness.user().says('close my account')), KIM.upn, KIM.password), /magic-code/);
  });

  it('keeps the account when No is pressed', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
    assert.match(textsOf(await kim.presses(cardActionData(warning, 'closure.decline'))), /kept/);
    assert.match(textsOf(await kim.presses(cardActionData(warning, 'closure.confirm'))), /cancelled/);
  });

  it("tells a managed organization's member to contact their administrator, naming the organization", async () => {
    const pat = harness.user();
    const replies = await signInThroughChat(pat, await pat.says('close my account'), 'pat@northwind.example', 'pat-pass-3');
    assert.match(textsOf(replies), /\*\*\u2068Northwind Traders\u2069\*\*, an organization with an administrator/);
  });

  it('tells a personal account it is not a work or school account', async () => {
    const sam = harness.user();
    const replies = await signInThroughChat(sam, await sam.says('close my account'), 'sam@outlook.example', 'sam-pass-4');
    assert.match(textsOf(replies), /isn't a work or school account/);
  });

  it('exports the data first, tells the user when it is ready, and then closes', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    assert.match(textsOf(await kim.presses(cardActionData(afterCode, 'closure.export'))), /usually takes a day or two/);
    assert.equal(await harness.bot.background.pollExports(), 1);
    const [ready] = await harness.connector.waitFor(1);
    assert.equal(ready.conversationId, `conv-${kim.userId}`);
    assert.match(JSON.stringify(ready.activity), /Your data export is ready/);
    assert.equal(await harness.bot.background.pollExports(), 0, 'told once');
    const resumed = await kim.says('close my account');
    assert.match(textsOf(resumed), /the download link is in the message I sent you/, 'the ready card is pointed to, not posted again');
    // One signed link per blob the export wrote under its operation folder, each named with its size.
    const downloads = (ready.activity.attachments as Array<{ content: unknown }>)
      .flatMap((a) => buttonsOn(a.content) as Array<{ type: string; title: string; tooltip: string; url?: string }>)
      .filter((action) => action.type === 'Action.OpenUrl');
    assert.deepEqual(
      // Sizes as Intl writes bytes in English ("144B"): the number varies with the export's content.
      downloads.map((action) => action.tooltip.replace(/\(\d+\s?B\)$/, '(n B)')),
      ['Download export-info.json (n B)', 'Download organization.json (n B)', 'Download profile.json (n B)'],
    );
    assert.deepEqual(
      downloads.map((action) => action.title),
      ['Download export-info', 'Download organization', 'Download profile'],
      'each button named for its file (a screen reader reads the title, not the tooltip)',
    );
    const bodies: string[] = [];
    for (const action of downloads) {
      const file = await fetch(action.url ?? '');
      assert.equal(file.status, 200, action.tooltip);
      const body = await file.text();
      assert.match(
        action.tooltip,
        new RegExp(`^Download ${new URL(action.url ?? '').pathname.split('/').pop()} \\(${Buffer.byteLength(body)}\\s?B\\)$`),
      );
      bodies.push(body);
    }
    assert.match(bodies.join('\n'), /kim@tailspin\.example/);
    const closed = await kim.presses(cardActionData(resumed, 'closure.confirm'));
    assert.match(textsOf(closed), /has been closed/);
  });

  it('audits what happened to the export: requested and ready, never "skipped", when the user continues from the ready message', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    await kim.presses(cardActionData(afterCode, 'closure.export'));
    assert.equal(await harness.bot.background.pollExports(), 1);
    const [ready] = await harness.connector.waitFor(1);
    const warning = await kim.presses(cardActionData([ready.activity], 'closure.start'));
    assert.doesNotThrow(() => cardActionData(warning, 'closure.confirm'), 'Continue leads to the warning');
    const audit = (await readFile(path.join(harness.dataDir, 'audit', 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type);
    assert.deepEqual(
      audit.filter((type) => type.startsWith('export')),
      ['exportOffered', 'exportRequested', 'exportReady'],
    );
    assert.ok(audit.includes('warningShown'));
  });

  it('says honestly that a finished export produced no files, with no download button, and offers the export again', async () => {
    const kim = harness.user();
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    await kim.presses(cardActionData(afterCode, 'closure.export'));
    // The operation completes, but its folder in the container is empty (List Blobs answers no blobs).
    harness.bot.sandbox!.faults.inject({
      method: 'GET',
      path: /^\/storage\/exports$/,
      respond: {
        status: 200,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/storage/" ContainerName="exports"><Blobs></Blobs><NextMarker /></EnumerationResults>',
      },
    });
    assert.equal(await harness.bot.background.pollExports(), 1);
    const [told] = await harness.connector.waitFor(1);
    const activity = JSON.stringify(told.activity);
    assert.match(activity, /finished, but it produced no files, so there is nothing to download/);
    assert.doesNotMatch(activity, /Action\.OpenUrl/);
    const again = await kim.says('close my account');
    assert.match(textsOf(again), /Would you like a copy of your data/);
    assert.doesNotThrow(() => cardActionData(again, 'closure.export'), 'the export is offered again');
  });

  it("refuses a group member pressing someone else's Yes, and the owner can still decide", async () => {
    const kim = harness.user({ userId: 'kim-in-group', conversationId: 'group-1', conversationType: 'groupChat' });
    const lee = harness.user({ userId: 'lee-in-group', conversationId: 'group-1', conversationType: 'groupChat' });
    const afterCode = await signInThroughChat(kim, await kim.says('close my account'), KIM.upn, KIM.password);
    const warning = await kim.presses(cardActionData(afterCode, 'closure.skipExport'));
    const yes = cardActionData(warning, 'closure.confirm');
    assert.match(textsOf(await lee.presses(yes)), /Only the person who asked/);
    const welcome = await lee.says('hello');
    assert.doesNotThrow(
      () => cardActionData(welcome, 'closure.start'),
      "the member has a dialog of their own: the welcome card, not Kim's warning",
    );
    assert.match(textsOf(await kim.presses(yes)), /has been closed/);
  });

  it('answers a broken activity with a 400 that names the problem', async () => {
    const response = await harness.user().send({ type: 'message', conversation: {} });
    assert.equal(response.status, 400);
    assert.match(JSON.stringify(response.body), /conversation\.id/);
  });
});
