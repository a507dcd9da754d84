import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  cardActionData,
  signInLinkOf,
  signInThroughChat,
  startHarness,
  textsOf,
  TEST_SEED,
  type BotHarness,
  type ChatUser,
  type ReplyActivity,
} from '../support/botHarness';

// CLOSURE=graph is opted into here (the default is the hand-off): this suite is about the bot closing the account
// itself, and the test seed's unmanaged tenant holds the app's rights, as the demo's "Contoso Graph-rights demo" does.

const KIM = TEST_SEED.users[0];

async function reachWarning(user: ChatUser): Promise<Record<string, string>> {
  const afterCode = await signInThroughChat(user, await user.says('close my account'), KIM.upn, KIM.password);
  return cardActionData(await user.presses(cardActionData(afterCode, 'closure.skipExport')), 'closure.confirm');
}

async function auditOf(harness: BotHarness, requestId: string): Promise<string[]> {
  const lines = (await readFile(path.join(harness.dataDir, 'audit', 'audit.jsonl'), 'utf8')).trim().split('\n');
  return lines
    .map((line) => JSON.parse(line) as { type: string; requestId?: string })
    .filter((e) => e.requestId === requestId)
    .map((e) => e.type);
}

async function accountStatus(harness: BotHarness): Promise<number> {
  const sandbox = harness.bot.sandbox!;
  const token = (await sandbox.appCredential.getToken('https://graph.microsoft.com/.default', { tenantId: KIM.tenantId }))!.token;
  const response = await fetch(`${sandbox.graphBaseUrl}/v1.0/users/${KIM.id}`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

/** Every conversation-state file the bot holds (STORAGE=file keeps them under DATA_DIR/state). */
async function stateFiles(harness: BotHarness): Promise<string> {
  const dir = path.join(harness.dataDir, 'state');
  const found: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) await walk(path.join(at, entry.name));
      else found.push(await readFile(path.join(at, entry.name), 'utf8'));
    }
  };
  await walk(dir);
  return found.join('\n');
}

describe('the decision workflow over /api/messages (Emulator-shaped activities)', () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  describe('20 presses of the same Yes at the same moment', () => {
    it('closes once, and every press gets one answer that agrees with the outcome', async () => {
      harness = await startHarness({ CLOSURE: 'graph' });
      const kim = harness.user();
      const yes = await reachWarning(kim);
      const answers: ReplyActivity[][] = await Promise.all(Array.from({ length: 20 }, () => kim.presses(yes)));

      const texts = answers.map((replies) => textsOf(replies));
      for (const text of texts) {
        assert.equal(text.split('\n').filter(Boolean).length, 1, `one answer per press: ${text}`);
        assert.doesNotMatch(text, /Nothing has been closed|went wrong|sign in/i, text);
      }
      assert.equal(texts.filter((t) => /has been closed\. Request id/.test(t)).length, 1, texts.join('\n'));
      for (const text of texts.filter((t) => !/has been closed\. Request id/.test(t)))
        assert.match(text, /already being handled|already been closed/);
      assert.equal(await accountStatus(harness), 404);
      assert.equal((await auditOf(harness, yes.requestId)).filter((t) => t === 'closed').length, 1);
      const state = await stateFiles(harness);
      assert.ok(!state.includes(KIM.upn) && !state.includes('Kim Akers'), 'no turn wrote the personal data back');
    });
  });

  describe('a Yes replayed in another conversation', () => {
    it('is refused there, closes nothing, and the card still works where it was shown', async () => {
      harness = await startHarness({ CLOSURE: 'graph' });
      const kim = harness.user({ userId: 'kim-channel-id', conversationId: 'conv-shown' });
      const yes = await reachWarning(kim);
      const elsewhere = harness.user({ userId: 'kim-channel-id', conversationId: 'conv-other' });
      // Signed in there too (the token service knows this channel user), so only the conversation binding can refuse it.
      assert.match(textsOf(await elsewhere.says('close my account')), /signed in as/);

      assert.match(textsOf(await elsewhere.presses(yes)), /belongs to another conversation/);
      assert.equal(await accountStatus(harness), 200, 'nothing was closed');
      assert.match(textsOf(await kim.presses(yes)), /has been closed/);
    });
  });

  describe('a tokens/response event sent by the client itself', () => {
    it('is not taken as a sign-in: the token service holds no token for that user', async () => {
      harness = await startHarness({ CLOSURE: 'graph' });
      // A genuine Graph token of Kim's, held by the token service for another chat user.
      const victim = harness.user({ userId: 'kim-real' });
      await signInThroughChat(victim, await victim.says('close my account'), KIM.upn, KIM.password);
      const query = new URLSearchParams({ userId: 'kim-real', connectionName: 'GraphConnection', channelId: 'emulator' });
      const stolen = (await (await fetch(`${harness.bot.sandbox!.tokenServiceUrl}/api/usertoken/GetToken?${query}`)).json()) as {
        token: string;
      };
      assert.ok(stolen.token);

      const attacker = harness.user({ userId: 'attacker' });
      signInLinkOf(await attacker.says('close my account'));
      const { status, body } = await attacker.send({
        type: 'event',
        name: 'tokens/response',
        value: { connectionName: 'GraphConnection', token: stolen.token },
      });
      assert.equal(status, 200);
      const replies = textsOf(
        ((body as { activities?: ReplyActivity[] } | undefined)?.activities ?? []).filter((a) => a.type === 'message'),
      );
      assert.doesNotMatch(replies, /signed in as/);
      assert.doesNotMatch(
        await stateFiles(harness).then((s) =>
          s
            .split('\n')
            .filter((l) => l.includes('attacker'))
            .join(''),
        ),
        /Kim Akers/,
      );
    });
  });

  describe('a hand-off', () => {
    it("releases the account's closure lock, audited, so a later request is handed off again, not refused", async () => {
      harness = await startHarness({ CLOSURE: 'portal' });
      const first = harness.user();
      const yes = await reachWarning(first);
      assert.match(textsOf(await first.presses(yes)), /Microsoft's own page/);
      assert.ok((await auditOf(harness, yes.requestId)).includes('lockReleased'));

      const again = harness.user();
      const secondYes = await reachWarning(again);
      const second = textsOf(await again.presses(secondYes));
      assert.doesNotMatch(second, /another request/);
      assert.match(second, /Microsoft's own page/);
    });
  });

  describe('a warning that expired while it waited', () => {
    let clock: sinon.SinonFakeTimers | undefined;
    afterEach(() => clock?.restore());

    it('no longer holds the conversation: "close my account" starts again at once', async () => {
      harness = await startHarness({ CLOSURE: 'graph' });
      const kim = harness.user();
      await reachWarning(kim);
      // Only the date moves (past the default 600 s validity); timers and sockets run as usual.
      clock = sinon.useFakeTimers({ now: Date.now() + 601_000, toFake: ['Date'] });
      assert.equal(await harness.bot.background.expireWarnings(), 1);

      const again = textsOf(await kim.says('close my account'));
      assert.match(again, /signed in as/);
      assert.doesNotMatch(again, /Typing doesn't close/);
    });
  });

  describe('a closure finished by the reconciler', () => {
    it('tells the outcome once and forgets the conversation state where the request was opened', async () => {
      harness = await startHarness({ CLOSURE: 'graph', CLOSURE_LEASE_SECONDS: '0.5' });
      const kim = harness.user();
      const yes = await reachWarning(kim);
      harness.bot.sandbox!.faults.inject({
        method: 'DELETE',
        path: /\/graph\/v1\.0\/users\//,
        times: 10,
        respond: { status: 503, body: { error: { code: 'serviceNotAvailable', message: 'down' } } },
      });
      assert.match(textsOf(await kim.presses(yes)), /taking longer than usual/);
      assert.notEqual(await stateFiles(harness), '', 'the conversation has state');
      harness.bot.sandbox!.faults.clear();
      await new Promise((resolve) => setTimeout(resolve, 600));

      await harness.bot.background.reconcileClosures();
      await harness.bot.background.reconcileClosures();

      const told = harness.connector.received.filter((r) => r.method === 'POST' && /has now been closed/.test(String(r.activity.text)));
      assert.equal(told.length, 1, 'told once');
      // Only the ended request's id stays, for the old cards' answers (test/e2e/finishedCards.test.ts).
      const left = await stateFiles(harness);
      assert.deepEqual(
        Object.keys((JSON.parse(left) as { value: { item: object } }).value.item),
        ['progress'],
        'the conversation state is gone',
      );
      assert.match(left, /"progress":\{"endedRequestId":"cr_[0-9a-f]+"\}\}\}\}/);
      assert.doesNotMatch(left, new RegExp(KIM.upn.replace('.', '\\.')));
      const types = await auditOf(harness, yes.requestId);
      for (const type of ['confirmed', 'closing', 'closed']) assert.ok(types.includes(type), types.join(','));
    });
  });
});
