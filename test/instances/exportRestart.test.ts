import { strict as assert } from 'node:assert';
import { cardActionData, magicCodeOf, signInLinkOf, submitSignInPage, textsOf } from '../support/botHarness';
import type { ConnectorActivity } from '../support/connectorStub';
import { processTestTimeout } from '../support/botProcess';
import { PEOPLE, startInstancesFixture, type InstancesFixture } from './fixture';

/** Polls that find nothing more to do; the ready job is no longer "running", so none may send again. */
const POLLS_TO_WATCH = 3;
/** The operation id of the "still running" answer that holds the export back until both instances are up. */
const STILL_RUNNING_ID = '55555555-0000-4000-8000-000000000001';

describe('an export job across a crash and two polling instances', function () {
  // Real processes start here, one after the other (test/support/botProcess.ts: a hang guard per start).
  this.timeout(processTestTimeout(3));
  let fixture: InstancesFixture;
  before(async () => {
    fixture = await startInstancesFixture();
  });
  after(async () => {
    await fixture?.stop();
  });

  it('is picked up after the instance that started it died, and "export ready" is sent once', async () => {
    const person = PEOPLE[5];
    // The first instance polls only at start-up, so the job it starts is still running when it dies.
    const first = await fixture.startBot({ EXPORT_POLL_INTERVAL_SECONDS: '3600' });
    const fay = fixture.user(person);
    const page = await submitSignInPage(signInLinkOf(await fay.says(first, 'close my account')), person.upn, person.password);
    const afterCode = await fay.says(first, magicCodeOf(page));
    assert.match(textsOf(await fay.presses(first, cardActionData(afterCode, 'closure.export'))), /I've asked for an export of your data/);
    first.kill('SIGKILL');
    await first.waitForExit();

    // Two instances started one after the other (two cold starts at once outlast the start-up bound on a busy
    // machine). Until both are up, Graph reports the export still running, so neither finishes it alone; then both
    // poll every second and race for the same finished job.
    await fixture.injectFault({
      method: 'GET',
      path: '^/graph/v1\\.0/dataPolicyOperations/',
      times: 1000,
      respond: { status: 200, body: { id: STILL_RUNNING_ID, status: 'running' } },
    });
    await fixture.startBot({ EXPORT_POLL_INTERVAL_SECONDS: '1' });
    await fixture.startBot({ EXPORT_POLL_INTERVAL_SECONDS: '1' });
    assert.equal(fixture.connector.received.filter((r) => r.conversationId === fay.conversationId).length, 0, 'nothing sent yet');
    await fixture.clearFaults();
    const ready = await waitForMessage(fixture, fay.conversationId, /Your data export is ready/);
    await new Promise((resolve) => setTimeout(resolve, POLLS_TO_WATCH * 1000));

    const toFay = fixture.connector.received.filter((r) => r.conversationId === fay.conversationId);
    assert.equal(toFay.length, 1, JSON.stringify(toFay.map((r) => r.activity.text)));
    // One link per blob of the export (sandbox: profile, organization, export info); the profile names the person.
    const link = /"url":"(http[^"]+\/profile\.json\?[^"]+)"/.exec(JSON.stringify(ready.activity))?.[1];
    assert.ok(link, 'the card links the profile file of the export');
    const download = await fetch(link);
    assert.equal(download.status, 200, 'the shared sandbox signed the link for the instance that asked');
    assert.match(await download.text(), new RegExp(person.upn.replace('.', '\\.')));
  });
});

async function waitForMessage(fixture: InstancesFixture, conversationId: string, text: RegExp): Promise<ConnectorActivity> {
  for (let seen = 1; ; seen += 1) {
    const received = await fixture.connector.waitFor(seen);
    const found = received.find((r) => r.conversationId === conversationId && text.test(JSON.stringify(r.activity)));
    if (found) return found;
  }
}
