import { strict as assert } from 'node:assert';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { startAzurite, type RunningAzurite } from '../support/azurite';
import {
  cardActionData,
  magicCodeOf,
  signInLinkOf,
  startHarness,
  submitSignInPage,
  TEST_SEED,
  type BotHarness,
} from '../support/botHarness';

/**
 * What one whole closure costs in Blob requests (issue 22: every request is latency and money; `npm run bench` prints
 * the whole count). Counted at the HTTP client, as Azurite receives them. Here only the conversation state's share,
 * which the bot's turn handling decides: one read per turn, one write per turn that changed it, one delete at the end.
 */
describe('Blob requests of a closure', function () {
  this.timeout(60_000);
  let azurite: RunningAzurite;
  let harness: BotHarness;
  before(async () => {
    azurite = await startAzurite();
    harness = await startHarness({
      STORAGE: 'blob',
      STORAGE_BLOB_CONNECTION_STRING: azurite.connectionString,
      STORAGE_BLOB_CONTAINER: 'requests-per-closure',
      // The whole closure by the bot's own Graph calls, as `npm run bench` measures it (the default is the hand-off).
      CLOSURE: 'graph',
    });
  });
  after(async () => {
    await harness?.stop();
    await azurite?.stop();
  });

  it('reads the conversation state once per turn, writes it once per changed turn, and replaces it once with the ended request id', async () => {
    const blobHost = new URL(azurite.blobEndpoint).host;
    const stateRequests: string[] = [];
    const onRequest = (message: unknown) => {
      const request = (message as { request: ClientRequest }).request;
      const name = request.path.split('?')[0]?.split('/').filter(Boolean).slice(2) ?? [];
      // botbuilder's BlobsStorage names a state blob by its whole key, URI-encoded: one path segment.
      if (request.getHeader('host') === blobHost && name.length === 1) stateRequests.push(request.method);
    };
    subscribe('http.client.request.start', onRequest);
    try {
      const user = harness.user();
      const welcome = await user.says('hello');
      const signIn = await user.presses(cardActionData(welcome, 'closure.start'));
      const page = await submitSignInPage(signInLinkOf(signIn), TEST_SEED.users[0].upn, TEST_SEED.users[0].password);
      const offer = await user.says(magicCodeOf(page));
      const warning = await user.presses(cardActionData(offer, 'closure.skipExport'));
      const outcome = await user.presses(cardActionData(warning, 'closure.confirm'));
      assert.match(outcome.map((a) => a.text).join(' '), /has been closed/);
    } finally {
      unsubscribe('http.client.request.start', onRequest);
    }
    const count = (method: string) => stateRequests.filter((m) => m === method).length;
    // One read per turn (5), and one by the closure's "forget the chats at this account's export offer" (truth's
    // ClosureWorkflow.accountClosed -> forgetFlow), which lists the requester's own chat too.
    assert.equal(count('GET'), 6, 'one read per turn, and one by the forgetting of the chats at the export offer');
    assert.equal(count('PUT'), 5, 'one write per turn before the last, and one by the settle');
    // The settle replaces the state with the ended request's id (for its old cards' answers), in place of the delete.
    assert.equal(count('DELETE'), 0, 'the closing turn does not delete the state the settle wrote');
  });
});
