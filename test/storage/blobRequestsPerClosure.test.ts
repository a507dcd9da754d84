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

  it('reads the conversation state once per turn, writes it once per changed turn, and deletes it once', async () => {
    const blobHost = new URL(azurite.blobEndpoint).host;
    const requests: string[] = [];
    const onRequest = (message: unknown) => {
      const request = (message as { request: ClientRequest }).request;
      if (request.getHeader('host') !== blobHost) return;
      // /<account>/<container>/<blob name...>: botbuilder's BlobsStorage names a state blob by its whole key,
      // URI-encoded (one segment); the records and the audit by `<kind>/...`.
      const name = request.path.split('?')[0]?.split('/').filter(Boolean).slice(2) ?? [];
      requests.push(`${request.method} ${name.length === 0 ? 'container' : name.length === 1 ? 'state' : name[0]}`);
      if (process.env.TRACE_BLOB) console.log(request.method, name.join('/'), new Error().stack?.split('\n').filter((l) => l.includes('/wt-blob/') && !l.includes('node_modules')).slice(0, 6).join(' | '));
    };
    subscribe('http.client.request.start', onRequest);
    try {
      const user = harness.user();
      const welcome = await user.says('hello');
      if (process.env.TRACE_BLOB) console.log('--- turn');
      if (process.env.TRACE_BLOB) console.log('--- turn');
      const signIn = await user.presses(cardActionData(welcome, 'closure.start'));
      const page = await submitSignInPage(signInLinkOf(signIn), TEST_SEED.users[0].upn, TEST_SEED.users[0].password);
      if (process.env.TRACE_BLOB) console.log('--- turn');
      const offer = await user.says(magicCodeOf(page));
      if (process.env.TRACE_BLOB) console.log('--- turn');
      const warning = await user.presses(cardActionData(offer, 'closure.skipExport'));
      if (process.env.TRACE_BLOB) console.log('--- turn');
      const outcome = await user.presses(cardActionData(warning, 'closure.confirm'));
      assert.match(outcome.map((a) => a.text).join(' '), /has been closed/);
    } finally {
      unsubscribe('http.client.request.start', onRequest);
    }
    const byKind: Record<string, number> = {};
    for (const kind of requests) byKind[kind] = (byKind[kind] ?? 0) + 1;
    console.log(requests.length, byKind);
  });
});
