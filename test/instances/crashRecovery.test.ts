import { strict as assert } from 'node:assert';
import type { AuditEventType } from '../../services/auditTrail';
import { processTestTimeout, type NodeProcess } from '../support/botProcess';
import { PEOPLE, startInstancesFixture, type InstanceUser, type InstancesFixture } from './fixture';

interface Crash {
  readonly requestId: string;
  readonly conversationId: string;
  readonly user: InstanceUser;
  /** The second instance started after the crash, stopped once the outcome was told. */
  readonly second: NodeProcess;
}

/** Short enough that recovery does not make the test wait; the defaults are 120 s and 60 s. */
const CRASH_ENV = { CLOSURE_LEASE_SECONDS: '2', RECONCILE_INTERVAL_SECONDS: '0.5' };
/** How long both instances go on reconciling after the message: three passes each. */
const PASSES_WATCHED_MS = 3 * 500;

/**
 * Each scenario presses Yes, lets the sandbox stop the closure at one point, kills the bot with SIGKILL there and
 * starts a new process on the same storage. The bot started for one scenario is the one killed in the next.
 */
describe('a bot killed with SIGKILL in the middle of a closure, then restarted', function () {
  // Real processes start here, one after the other (test/support/botProcess.ts: a hang guard per start).
  this.timeout(processTestTimeout(2));
  let fixture: InstancesFixture;
  let bot: NodeProcess;
  before(async () => {
    fixture = await startInstancesFixture();
    bot = await fixture.startBot(CRASH_ENV);
  });
  afterEach(async () => {
    await fixture.clearFaults();
  });
  after(async () => {
    await fixture?.stop();
  });

  /** Presses Yes, waits for the fault on `faultPath`, kills the bot there, restarts, and returns the request id. */
  async function crashAt(
    person: (typeof PEOPLE)[number],
    fault: { method: string; path: string; respond: string },
    firedPath: RegExp,
  ): Promise<Crash> {
    const user = fixture.user(person);
    const yes = await user.reachWarning(bot);
    await fixture.injectFault(fault);
    const press = user.presses(bot, yes).then(
      (replies) => ({ replies }),
      (error: unknown) => ({ error }),
    );
    await fixture.waitForFault(firedPath, { handled: fault.respond === 'hangAfterHandling' });
    bot.kill('SIGKILL');
    assert.deepEqual(await bot.waitForExit(), { code: null, signal: 'SIGKILL' });
    assert.ok('error' in (await press), 'the press got no answer: the bot died while handling it');
    // Parked at the warning the state keeps ids only (issue 14: no identity, no rendered card), so its request id is
    // what shows it is there at the crash and gone afterwards; the UPN must not be in it at all.
    const parked = JSON.stringify((await fixture.conversationState(user)) ?? null);
    assert.ok(parked.includes(yes.requestId), 'the waiting conversation holds its request at the crash');
    assert.ok(!parked.includes(person.upn), 'the waiting conversation keeps no UPN while parked');
    // Two instances restart on the same storage and both reconcile: the user must still be told once.
    // One after the other: two cold starts at once can outlast the start-up bound on a busy machine.
    bot = await fixture.startBot(CRASH_ENV);
    const second = await fixture.startBot(CRASH_ENV);
    return { requestId: yes.requestId, conversationId: user.conversationId, user, second };
  }

  async function expectFinishedOnce(person: (typeof PEOPLE)[number], crash: Crash): Promise<AuditEventType[]> {
    const told = await waitForProactive(crash.conversationId);
    // Both instances keep reconciling every half second; a few passes later the message is still the only one.
    await new Promise((resolve) => setTimeout(resolve, PASSES_WATCHED_MS));
    await crash.second.stop();
    const closedMessages = fixture.connector.received.filter(
      (r) => r.conversationId === crash.conversationId && r.method === 'POST' && /has now been closed/.test(String(r.activity.text)),
    );
    assert.equal(closedMessages.length, 1, 'told exactly once across the restart and two instances');
    // The reconciler's settle forgets the requester's state in the conversation the request was opened in, keeping
    // only the ended request's id (its old cards' answers, test/e2e/finishedCards.test.ts).
    const left = await fixture.conversationState(crash.user);
    assert.deepEqual(left?.progress, { endedRequestId: crash.requestId }, 'the conversation state is forgotten');
    assert.deepEqual(
      Object.keys(left ?? {}).filter((key) => key !== 'eTag'),
      ['progress'],
    );
    assert.match(told, /Your account has now been closed\. Request id: `[^`]+`/);
    assert.ok(told.includes(crash.requestId));
    assert.equal(await fixture.userExists(person.id), false, 'the account is gone from the directory');
    const types = (await fixture.audit(crash.requestId)).map((e) => e.type);
    for (const type of ['confirmed', 'closing', 'closed', 'reconciled'] as const)
      assert.ok(types.includes(type), `audit has "${type}": ${types.join(',')}`);
    assert.equal(types.filter((t) => t === 'closed').length, 1, `closed exactly once: ${types.join(',')}`);
    assert.equal(types.filter((t) => t === 'confirmed').length, 1, types.join(','));
    assert.ok(types.indexOf('confirmed') < types.indexOf('closing') && types.indexOf('closing') < types.indexOf('closed'), types.join(','));
    return types;
  }

  async function waitForProactive(conversationId: string): Promise<string> {
    for (let seen = 1; ; seen += 1) {
      const received = await fixture.connector.waitFor(seen);
      const message = received.find((r) => r.conversationId === conversationId && r.method === 'POST');
      if (message) return typeof message.activity.text === 'string' ? message.activity.text : '';
    }
  }

  it('finishes a closure that died before the directory call (realm re-check unanswered)', async () => {
    const crash = await crashAt(PEOPLE[2], { method: 'GET', path: '/userrealm/', respond: 'hang' }, /userrealm/);
    const types = await expectFinishedOnce(PEOPLE[2], crash);
    assert.equal(types.filter((t) => t === 'closing').length, 1, 'the first process never reached "closing"');
  });

  it('finishes a closure that died after the directory deleted the user but before its answer arrived', async () => {
    const crash = await crashAt(PEOPLE[3], { method: 'DELETE', path: '^/graph/v1\\.0/users/', respond: 'hangAfterHandling' }, /\/users\//);
    await expectFinishedOnce(PEOPLE[3], crash);
  });

  it('finishes a closure that died after the purge, before the request was marked closed', async () => {
    const crash = await crashAt(
      PEOPLE[4],
      { method: 'DELETE', path: '^/graph/v1\\.0/directory/deletedItems/', respond: 'hangAfterHandling' },
      /deletedItems/,
    );
    await expectFinishedOnce(PEOPLE[4], crash);
  });
});
