import { strict as assert } from 'node:assert';
import { DialogSet } from 'botbuilder-dialogs';
import { DialogsComponentRegistration } from 'botbuilder-dialogs/lib/dialogsComponentRegistration';
import sinon from 'sinon';
import { startHarness, type BotHarness } from '../support/botHarness';

/**
 * What every turn used to rebuild and now shares (issue 14): the dialogs' memory scopes, through the HTTP endpoint
 * as the Emulator talks to the bot. The shared welcome card is tested with the cards (test/cards/renderCard.test.ts).
 */
describe('parts shared between turns', function () {
  this.timeout(30_000);
  let harness: BotHarness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  it('answers a first "hello" with the welcome card without building a dialog stack, and starts the flow after it', async () => {
    const user = harness.user();
    const contexts = sinon.spy(DialogSet.prototype, 'createContext');
    try {
      const [welcome] = await user.says('hello');
      assert.equal(welcome?.attachments?.[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
      assert.match(JSON.stringify(welcome?.attachments?.[0]?.content), /closure\.start/);
      assert.equal(contexts.callCount, 0, 'no dialog context for the welcome');
    } finally {
      contexts.restore();
    }
    const signIn = await user.says('close my account');
    assert.ok(signIn.some((reply) => reply.attachments?.some((a) => a.contentType === 'application/vnd.microsoft.card.oauth')));
    assert.match((await user.says('help')).map((reply) => reply.text).join(' '), /sign in/i, 'help for the waiting step');
  });

  it('builds the dialogs memory scopes once, not in every turn (botbuilder-dialogs still reads the turn-state key)', async () => {
    // A DialogStateManager that finds no configuration in the turn state asks the registration for new scopes.
    const first = harness.user();
    await first.says('close my account');
    const built = sinon.spy(DialogsComponentRegistration.prototype, 'getMemoryScopes');
    try {
      const afterFirst = built.callCount;
      await harness.user().says('close my account');
      await first.says('help');
      await harness.user().says('help');
      assert.equal(built.callCount - afterFirst, 0, 'later turns, of other users too, reuse the first turn’s scopes');
    } finally {
      built.restore();
    }
  });
});
