import { strict as assert } from 'node:assert';
import { get } from 'node:http';
import { magicCodeOf, signInLinkOf, submitSignInPage, textsOf } from '../support/botHarness';
import { processTestTimeout } from '../support/botProcess';
import { PEOPLE, startInstancesFixture, type InstancesFixture } from './fixture';

describe('a bot process sent SIGTERM', function () {
  // Real processes start here, one after the other (test/support/botProcess.ts: a hang guard per start).
  this.timeout(processTestTimeout(1));
  let fixture: InstancesFixture;
  before(async () => {
    fixture = await startInstancesFixture();
  });
  after(async () => {
    await fixture?.stop();
  });

  describe('during a slow turn', () => {
    it('stops accepting connections, finishes the turn (its reply arrives), then exits 0', async () => {
      const person = PEOPLE[6];
      const bot = await fixture.startBot();
      const gus = fixture.user(person);
      const page = await submitSignInPage(signInLinkOf(await gus.says(bot, 'close my account')), person.upn, person.password);
      // The realm check after the code is throttled once: the turn waits two seconds and then succeeds.
      await fixture.injectFault({ method: 'GET', path: '/userrealm/', respond: { status: 503, headers: { 'retry-after': '2' } } });
      let replied = false;
      const slowTurn = gus.says(bot, magicCodeOf(page)).then((replies) => {
        replied = true;
        return replies;
      });
      await fixture.waitForFault(/userrealm/);

      bot.kill('SIGTERM');
      const port = Number(new URL(bot.url).port);
      while (!(await connectionRefused(port))) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(replied, false, 'new connections were refused while the turn was still running');

      assert.match(textsOf(await slowTurn), /organization is unmanaged/);
      assert.deepEqual(await bot.waitForExit(), { code: 0, signal: null }, bot.output().slice(-3000));
      assert.match(bot.output(), /SIGTERM: finishing turns in flight/);
    });
  });
});

/** A fresh connection (no keep-alive pool) to /healthz: true once the server refuses connections. */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(false));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      // A connection accepted just before close() is reset rather than refused: not served either, so ask again.
      if (error.code === 'ECONNRESET') resolve(false);
      else if (error.code === 'ECONNREFUSED') resolve(true);
      else reject(error);
    });
  });
}
