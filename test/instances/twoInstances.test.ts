import { strict as assert } from 'node:assert';
import { textsOf } from '../support/botHarness';
import { processTestTimeout, type NodeProcess } from '../support/botProcess';
import { PEOPLE, startInstancesFixture, type InstancesFixture } from './fixture';

describe('two bot instances on one Azurite and one shared sandbox', function () {
  // Real processes start here, one after the other (test/support/botProcess.ts: a hang guard per start).
  this.timeout(processTestTimeout(3));
  let fixture: InstancesFixture;
  let first: NodeProcess;
  let second: NodeProcess;
  before(async () => {
    fixture = await startInstancesFixture();
    // One after the other: two cold starts at once can outlast the start-up bound on a busy machine.
    first = await fixture.startBot();
    second = await fixture.startBot();
  });
  afterEach(async () => {
    await fixture.clearFaults();
  });
  after(async () => {
    await fixture?.stop();
  });

  describe('the same Yes pressed on both at the same moment', () => {
    it('closes the account once, writes one "closed" audit record, and answers the other press "already"', async () => {
      const ana = fixture.user(PEOPLE[0]);
      const yes = await ana.reachWarning(first);
      // A slow realm re-check keeps the winner busy, so the other press surely arrives while the closure runs.
      await fixture.injectFault({ method: 'GET', path: '/userrealm/', respond: { status: 503, headers: { 'retry-after': '1' } } });

      const replies = await Promise.all([ana.presses(first, yes), ana.presses(second, yes)]);

      const texts = replies.map((r) => textsOf(r));
      assert.equal(texts.filter((t) => /has been closed/.test(t)).length, 1, texts.join('\n---\n'));
      assert.equal(texts.filter((t) => /already being handled|already been closed/.test(t)).length, 1, texts.join('\n---\n'));
      assert.equal(await fixture.userExists(PEOPLE[0].id), false);
      const types = (await fixture.audit(yes.requestId)).map((e) => e.type);
      assert.equal(types.filter((t) => t === 'closed').length, 1, types.join(','));
      assert.equal(types.filter((t) => t === 'confirmed').length, 1, types.join(','));
      const rejected = (await fixture.audit(yes.requestId)).filter((e) => e.type === 'confirmationRejected');
      assert.ok(
        rejected.every((e) => e.detail === 'inProgress'),
        'a press that lost is recorded as "in progress", nothing else',
      );
    });
  });

  describe('a conversation that moves between instances', () => {
    it('is continued on the other instance from the shared state, and a press on the first then answers "already closed"', async () => {
      const ben = fixture.user(PEOPLE[1]);
      const yes = await ben.reachWarning(first);
      assert.match(textsOf(await ben.presses(second, yes)), /has been closed/);
      assert.match(textsOf(await ben.presses(first, yes)), /already been closed/);
    });
  });
});
