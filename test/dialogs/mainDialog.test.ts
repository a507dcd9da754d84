import { strict as assert } from 'node:assert';
import type { Activity } from 'botbuilder';
import sinon from 'sinon';
import { CLOSURE_SCENARIOS } from './closureScenarios';
import { actionData, contentTypes, createDialogFixture, press, textOf, turn } from './dialogFixture';

describe('MainDialog', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: new Date('2026-11-27T09:00:00Z'), toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  describe('closure conversations', () => {
    for (const scenario of CLOSURE_SCENARIOS) {
      it(scenario.name, async () => {
        const fixture = createDialogFixture(scenario.fixture);
        const history: Array<Partial<Activity>> = [];
        for (const [index, step] of scenario.steps.entries()) {
          if ('waitMs' in step) {
            clock.tick(step.waitMs);
            continue;
          }
          const activity = 'says' in step ? step.says : press(actionData([...history].reverse(), step.presses));
          const replies = await turn(fixture, activity);
          history.push(...replies);
          const where = `step ${index + 1} (${'says' in step ? `says "${step.says}"` : `presses ${step.presses}`})`;
          if (step.expect === 'oauthCard')
            assert.ok(contentTypes(replies).includes('application/vnd.microsoft.card.oauth'), `${where}: expected an OAuth card`);
          else if (step.expect === 'adaptiveCard')
            assert.ok(contentTypes(replies).includes('application/vnd.microsoft.card.adaptive'), `${where}: expected an Adaptive Card`);
          else assert.match(textOf(replies), step.expect, where);
        }
        assert.equal(fixture.closerCalls.length, scenario.closes, 'times the directory was asked to close');
        if (scenario.requestStatus) {
          const [request] = await fixture.requests.list();
          assert.equal(request?.value.status, scenario.requestStatus);
        }
      });
    }
  });

  describe('a ready export', () => {
    it('points to the "ready" message already sent (not its card again) and goes straight to the warning', async () => {
      const fixture = createDialogFixture({
        exportStatus: {
          kind: 'ready',
          files: [{ name: 'profile.json', sizeBytes: 2048, downloadUrl: 'https://storage.test/export?sig=1' }],
          expiresAt: new Date('2026-11-30T09:00:00Z'),
        },
      });
      await turn(fixture, 'close my account');
      const offer = await turn(fixture, '246810');
      await turn(fixture, press(actionData(offer, 'closure.export')));
      const [claimed] = await fixture.exports.poll();
      assert.ok(claimed, 'the poller claimed the ready message');
      // The poller's send went through (bot/backgroundWork.ts marks it told only then).
      await fixture.exports.told(claimed);
      const resumed = await turn(fixture, 'close my account');
      const cards = JSON.stringify(resumed.flatMap((r) => r.attachments ?? []));
      assert.doesNotMatch(cards, /https:\/\/storage\.test\/export\?sig=1/, 'the ready card was sent once, by the poller');
      assert.match(
        textOf(resumed),
        /Your data export is ready: the download link is in the message I sent you when it finished, and works until Nov 30, 2026, 09:00\sAM UTC/,
      );
      assert.match(cards, /closure\.confirm/);
    });
  });

  describe('while the warning waits', () => {
    it('answers a finished step\'s button by pointing at the warning, never "start again"', async () => {
      const fixture = createDialogFixture();
      await turn(fixture, 'close my account');
      const offer = await turn(fixture, '246810');
      await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      const replies = await turn(fixture, press(actionData(offer, 'closure.export')));
      const again = textOf(replies);
      assert.match(again, /The warning is still waiting for your answer: here it is again/);
      assert.doesNotMatch(again, /start again/);
      assert.match(JSON.stringify(replies.flatMap((reply) => reply.attachments ?? [])), /closure\.confirm/, 'with the warning card');
    });

    it('says where the flow is on "status", and that nothing is in progress without one', async () => {
      const fixture = createDialogFixture();
      assert.match(textOf(await turn(fixture, 'status')), /Nothing is in progress/);
      await turn(fixture, 'close my account');
      const offer = await turn(fixture, '246810');
      await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      const status = await turn(fixture, 'Status');
      assert.match(textOf(status), /the warning below is waiting for your decision/);
      assert.match(JSON.stringify(status.flatMap((reply) => reply.attachments ?? [])), /closure\.confirm/, 'with the warning below');
    });
  });

  describe('while an export is being prepared', () => {
    it('mentions it in "help" and "status" after the export was asked for', async () => {
      const fixture = createDialogFixture();
      await turn(fixture, 'close my account');
      const offer = await turn(fixture, '246810');
      assert.match(textOf(await turn(fixture, press(actionData(offer, 'closure.export')))), /I've asked for an export/);
      assert.match(textOf(await turn(fixture, 'help')), /Your data export \(requested .+\) is being prepared/);
      assert.match(textOf(await turn(fixture, 'status')), /Your data export \(requested .+\) is being prepared/);
    });
  });

  describe("the account's export job at its closure", () => {
    /** Asks for an export, comes back, goes on without it and presses Yes. */
    async function exportThenClose(fixture: ReturnType<typeof createDialogFixture>, beforeYes = async () => {}) {
      await turn(fixture, 'close my account');
      const offer = await turn(fixture, '246810');
      await turn(fixture, press(actionData(offer, 'closure.export')));
      const running = await turn(fixture, 'close my account');
      assert.match(textOf(running), /is still being prepared/);
      const warning = await turn(fixture, press(actionData(running, 'closure.proceed')));
      await beforeYes();
      const outcome = await turn(fixture, press(actionData(warning, 'closure.confirm')));
      assert.match(textOf(outcome), /has been closed/);
    }

    it('is deleted: listed on the account before it was created, and found by the closure', async () => {
      const fixture = createDialogFixture();
      await exportThenClose(fixture);
      assert.equal(fixture.closerCalls.length, 1);
      assert.deepEqual(await fixture.stores.jobs.list(), [], 'nothing names the conversation any more');
    });

    it("is deleted when the account's record was written before the listing (no exportJob: looked up)", async () => {
      const fixture = createDialogFixture();
      await exportThenClose(fixture, async () => {
        // Rewritten as the previous version leaves it: the record without `exportJob`.
        const [account] = await fixture.stores.accounts.list();
        assert.equal(account?.value.exportJob, true);
        const { exportJob: _listing, ...previous } = account.value;
        await fixture.stores.accounts.replace(account.id, previous, account.etag);
      });
      assert.equal(fixture.closerCalls.length, 1);
      assert.deepEqual(await fixture.stores.jobs.list(), []);
    });
  });
});
