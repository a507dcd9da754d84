import { strict as assert } from 'node:assert';
import sinon from 'sinon';
import {
  actionData,
  CONNECTION,
  contentTypes,
  createDialogFixture,
  MAGIC_CODE,
  press,
  textOf,
  turn,
  type DialogFixture,
} from './dialogFixture';

const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** Issue 12: every input answered, the export path that came back, sign-out, and buttons of finished steps. */
describe('MainDialog conversation repairs', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: new Date('2026-11-27T09:00:00Z'), toFake: ['Date'] });
  });
  afterEach(() => clock.restore());

  async function signedIn(fixture: DialogFixture) {
    await turn(fixture, 'close my account');
    return turn(fixture, MAGIC_CODE);
  }

  function cardJson(replies: Awaited<ReturnType<typeof turn>>): string {
    return JSON.stringify(replies.flatMap((r) => r.attachments ?? []));
  }

  describe('sign-in', () => {
    it('sends a fresh sign-in card after the fifth wrong code', async () => {
      const fixture = createDialogFixture();
      await turn(fixture, 'close my account');
      for (const code of ['111111', '222222', '333333', '444444']) assert.deepEqual(contentTypes(await turn(fixture, code)), []);
      const restarted = await turn(fixture, '555555');
      assert.match(textOf(restarted), /no longer works/);
      assert.deepEqual(contentTypes(restarted), [OAUTH_CARD]);
    });
  });

  describe('coming back while the export runs', () => {
    function exportFixture() {
      let started = 0;
      const fixture = createDialogFixture({
        exportStart: async () => {
          started += 1;
        },
      });
      return { fixture, started: () => started };
    }

    async function exportRequested(fixture: DialogFixture) {
      const offer = await signedIn(fixture);
      assert.match(textOf(await turn(fixture, press(actionData(offer, 'closure.export')))), /I've asked for an export/);
    }

    it('"close my account" says the export is still running and offers to go on, without the export question', async () => {
      const { fixture, started } = exportFixture();
      await exportRequested(fixture);
      const back = await turn(fixture, 'close my account');
      assert.match(textOf(back), /still being prepared, so I won't start another/);
      assert.match(cardJson(back), /closure\.proceed/);
      assert.doesNotMatch(cardJson(back), /closure\.export"/);
      const warning = await turn(fixture, press(actionData(back, 'closure.proceed')));
      assert.match(cardJson(warning), /closure\.confirm/);
      assert.equal(started(), 1);
    });

    it('"wait" or "export my data first" starts no second export', async () => {
      const { fixture, started } = exportFixture();
      await exportRequested(fixture);
      await turn(fixture, 'close my account');
      assert.match(textOf(await turn(fixture, 'export my data first')), /already being prepared, so I haven't started another/);
      await turn(fixture, 'close my account');
      const back = await turn(fixture, 'close my account');
      assert.match(textOf(back), /still being prepared/);
      assert.match(
        textOf(await turn(fixture, press(actionData(back, 'closure.waitForExport')))),
        /I'll message you here when your export is ready/,
      );
      assert.equal(started(), 1);
      assert.equal((await fixture.requests.list()).length, 0, 'no closure request was opened');
    });

    it('the ready message\'s Continue, pressed while the export offer waits, starts over instead of "please choose"', async () => {
      const fixture = createDialogFixture();
      const offer = await signedIn(fixture);
      const again = await turn(fixture, press({ action: 'closure.start' }));
      assert.doesNotMatch(textOf(again), /Please choose/);
      assert.ok(contentTypes(again).includes(ADAPTIVE_CARD));
      const warning = await turn(fixture, press(actionData(again.length ? again : offer, 'closure.skipExport')));
      assert.match(cardJson(warning), /closure\.confirm/);
    });
  });

  describe('signing out', () => {
    for (const [where, before] of [
      [
        'at the sign-in card',
        async (f: DialogFixture) => {
          await turn(f, 'close my account');
        },
      ],
      ['at the export offer', signedIn],
      [
        'with no conversation going',
        async (f: DialogFixture) => {
          await signedIn(f);
          await turn(f, 'cancel');
        },
      ],
    ] as const) {
      it(`"sign out" ${where} signs out and says so; the next start asks to sign in`, async () => {
        const fixture = createDialogFixture();
        await before(fixture);
        const said = textOf(await turn(fixture, 'sign out'));
        assert.match(said, /You're signed out\./);
        // "Nothing has been closed" only when the sign-out ended a flow: with none, the bot cannot know (issue 20).
        if (where === 'with no conversation going') assert.doesNotMatch(said, /Nothing has been closed/);
        else assert.match(said, /You're signed out\. Nothing has been closed/);
        assert.deepEqual(contentTypes(await turn(fixture, 'close my account')), [OAUTH_CARD]);
      });
    }

    it('"switch account" at the warning cancels its request and signs out; its Yes no longer works', async () => {
      const fixture = createDialogFixture();
      const offer = await signedIn(fixture);
      const warning = await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      assert.match(textOf(await turn(fixture, 'switch account')), /signed out/);
      assert.match(textOf(await turn(fixture, press(actionData(warning, 'closure.confirm')))), /cancelled/);
      assert.equal(fixture.closerCalls.length, 0);
      const [request] = await fixture.requests.list();
      assert.equal(request?.value.status, 'cancelled');
    });

    it('is offered after cancel, after No and after an ineligible verdict', async () => {
      const fixture = createDialogFixture();
      await signedIn(fixture);
      assert.match(textOf(await turn(fixture, 'cancel')), /Say \*\*sign out\*\*/);
      const offer = await turn(fixture, 'close my account');
      const warning = await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      assert.match(textOf(await turn(fixture, press(actionData(warning, 'closure.decline')))), /Say \*\*sign out\*\*/);
      const managed = createDialogFixture({ verdict: { kind: 'managed', organizationName: 'Northwind Traders' } });
      assert.match(textOf(await signedIn(managed)), /Say \*\*sign out\*\*/);
    });
  });

  describe('buttons of a finished step', () => {
    it('an old Skip after cancel is told the step is over and opens nothing', async () => {
      const fixture = createDialogFixture();
      const offer = await signedIn(fixture);
      await turn(fixture, 'cancel');
      const replies = await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      assert.match(textOf(replies), /That step is over/);
      assert.deepEqual(contentTypes(replies), []);
      assert.equal((await fixture.requests.list()).length, 0);
    });

    it('an old Export press at the warning is told the step is over, and the warning still works', async () => {
      const fixture = createDialogFixture();
      const offer = await signedIn(fixture);
      const warning = await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      assert.match(textOf(await turn(fixture, press(actionData(offer, 'closure.export')))), /That step is over/);
      assert.match(textOf(await turn(fixture, press(actionData(warning, 'closure.confirm')))), /has been closed/);
    });

    it('a sign-in that completes after cancel is answered and leaves the user signed out', async () => {
      const fixture = createDialogFixture();
      await turn(fixture, 'close my account');
      await turn(fixture, 'cancel');
      const late = await turn(fixture, {
        type: 'event',
        name: 'tokens/response',
        value: { connectionName: CONNECTION, token: 'token-of-kim' },
      });
      assert.match(textOf(late), /That sign-in step is over/);
      assert.deepEqual(contentTypes(late), []);
    });

    it('a magic code typed after cancel is answered, not met with the welcome card', async () => {
      const fixture = createDialogFixture();
      await turn(fixture, 'close my account');
      await turn(fixture, 'cancel');
      const late = await turn(fixture, MAGIC_CODE);
      assert.match(textOf(late), /That sign-in step is over/);
      assert.deepEqual(contentTypes(late), []);
    });

    it('an old No after the closure is answered with the outcome and changes nothing', async () => {
      const fixture = createDialogFixture();
      const offer = await signedIn(fixture);
      const warning = await turn(fixture, press(actionData(offer, 'closure.skipExport')));
      await turn(fixture, press(actionData(warning, 'closure.confirm')));
      assert.match(textOf(await turn(fixture, press(actionData(warning, 'closure.decline')))), /already been closed/);
      const [request] = await fixture.requests.list();
      assert.equal(request?.value.status, 'closed');
    });
  });

  describe('times', () => {
    // The zone by its name in the reader's language (Intl, CLDR), never its IANA id; \s also matches ICU's narrow space before AM.
    for (const [zone, shown] of [
      ['Europe/Berlin', /"Nov 27, 2026, 10:10\sAM Central European Standard Time"/],
      ['Asia/Tokyo', /"Nov 27, 2026, 06:10\sPM Japan Standard Time"/],
      [undefined, /"Nov 27, 2026, 09:10\sAM UTC"/],
      ['Mars/Olympus_Mons', /"Nov 27, 2026, 09:10\sAM UTC"/],
    ] as const) {
      it(`shows the warning's expiry ${zone ? `for localTimezone "${zone}"` : 'without localTimezone'} as ${shown.source}`, async () => {
        const fixture = createDialogFixture();
        const localTimezone = zone;
        await turn(fixture, { type: 'message', text: 'close my account', localTimezone });
        const offer = await turn(fixture, { type: 'message', text: MAGIC_CODE, localTimezone });
        const warning = await turn(fixture, { ...press(actionData(offer, 'closure.skipExport')), localTimezone });
        assert.match(cardJson(warning), shown);
      });
    }
  });
});
