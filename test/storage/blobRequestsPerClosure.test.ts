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
  type ChatUser,
  type ReplyActivity,
} from '../support/botHarness';

/**
 * What one whole closure costs in Blob requests (issue 22: every request is latency and money; the goal is 15, and
 * `npm run bench` prints the count with two instances). Counted at the HTTP client, as Azurite receives them, by
 * method and by what they touch: `state` (botbuilder's BlobsStorage names a state blob by its whole key, URI-encoded:
 * one path segment), the record kinds (`closureRequests/<id>.json`, ...) and the audit's appends. Made once per
 * process, and so not a closure's: the container, the audit's append blob of the hour, and whether every export job
 * and every closure lock is listed on its account (services/listedOnAccounts.ts: each mark read, and on a new
 * deployment the walk of the kind, a container listing, and the mark written).
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

  /** The Blob requests of `work`, by method and kind; `madeOnce` gets those a process makes once. */
  async function requestsOf(work: () => Promise<unknown>, madeOnce: string[] = []): Promise<Record<string, number>> {
    const blobHost = new URL(azurite.blobEndpoint).host;
    const perClosure: string[] = [];
    const onRequest = (message: unknown) => {
      const request = (message as { request: ClientRequest }).request;
      if (request.getHeader('host') !== blobHost) return;
      const [path, query = ''] = request.path.split('?');
      // /<account>/<container>/<blob name...>
      const name = path?.split('/').filter(Boolean).slice(2) ?? [];
      if (name.length === 0) madeOnce.push(`${request.method} container ${query}`);
      else if (name[0] === 'audit' && !query.includes('comp=appendblock')) madeOnce.push(`${request.method} audit blob`);
      else if (name[0] === 'accountListings') madeOnce.push(`${request.method} ${name[1]?.replace(/\.json$/, '')} listing mark`);
      else perClosure.push(`${request.method} ${name.length === 1 ? 'state' : name[0]}`);
    };
    subscribe('http.client.request.start', onRequest);
    try {
      await work();
    } finally {
      unsubscribe('http.client.request.start', onRequest);
    }
    const byKind: Record<string, number> = {};
    for (const kind of perClosure) byKind[kind] = (byKind[kind] ?? 0) + 1;
    return byKind;
  }

  const PER_CLOSURE = {
    // Read once per turn (5 turns), written once per turn that changed it (the sign-in, the magic code, the skip;
    // not the welcome, which has nothing to remember, bot/storage/blankState.ts; not the Yes), and replaced by the
    // settle with the ended request's id alone (its old cards' answers, test/e2e/finishedCards.test.ts).
    'GET state': 5,
    'PUT state': 4,
    // A turn's events together, written before the reply that follows them and before each outward step: the
    // sign-in and its realm check; the export offer; the skip and the warning; the Yes (before the lock and the
    // re-check); the re-check and closing (before the closer's call); the outcome (a gap known at once).
    'PUT audit': 6,
    // Created with the warning; confirmed, closing, the delete about to be sent, closed (with the settling claim),
    // settled. The claim is not renewed before the outcome is told: taken a moment before with the outcome, it has
    // nearly all its lease left, so no instance can have taken it over (a claim that a slow store left with less is
    // renewed: test/background/settleClaim.test.ts). Read once, by the Yes's turn; never again after its own writes.
    'PUT closureRequests': 6,
    'GET closureRequests': 1,
    // The open-record index: marked at creation, the mark removed when the request is settled.
    'PUT closureRequestsOpen': 1,
    'DELETE closureRequestsOpen': 1,
    // The account's record, read once per turn that needs it: the chat at the export offer (with "no export job"),
    // the request listed, closed (with the requester's own chat taken off the list in the same write).
    'GET closureAccounts': 3,
    'PUT closureAccounts': 3,
    // The lock itself (the Yes). Whether another request is closing the account is not read at the warning (it was a
    // GET): a lock is taken only by a request listed on the account's record, and this account lists none yet (the
    // deployment's mark, read once per process, says every older lock is listed too).
    'PUT closureLocks': 1,
    // No export job read (it was 2): the account has no record before its first export offer, and every job is
    // listed on its account's record before it is created (the deployment's mark, read once per process, says no
    // job predates that), so the offer writes "no export job" there and the closure reads it
    // (test/services/exportJobListing.test.ts).
  };

  it('costs 31 requests: one state read per turn, one audit append per turn or transition, each record read once per turn', async () => {
    const madeOnce: string[] = [];
    assert.deepEqual(await requestsOf(() => closeAccount(harness.user(), TEST_SEED.users[0]), madeOnce), PER_CLOSURE);
    assert.equal(
      Object.values(PER_CLOSURE).reduce((sum, n) => sum + n, 0),
      31,
    );
    // The container, the hour's audit blob; for the export jobs and the locks each, the listing's mark read, the walk
    // of the (empty) kind, the mark written.
    assert.ok(madeOnce.length <= 9, madeOnce.join(', '));
    assert.ok(madeOnce.includes('PUT exportJobs listing mark'), madeOnce.join(', '));
    assert.ok(madeOnce.includes('PUT closureLocks listing mark'), madeOnce.join(', '));
  });

  it('costs the same 31 for the next account, and nothing more once per process', async () => {
    const madeOnce: string[] = [];
    assert.deepEqual(await requestsOf(() => closeAccount(harness.user(), TEST_SEED.users[1]), madeOnce), PER_CLOSURE);
    assert.deepEqual(madeOnce, []);
  });
});

/** Welcome, sign-in page and magic code, skip the export, the warning, Yes: the closure `npm run bench` measures. */
async function closeAccount(user: ChatUser, account: { upn: string; password: string }): Promise<ReplyActivity[]> {
  const welcome = await user.says('hello');
  const signIn = await user.presses(cardActionData(welcome, 'closure.start'));
  const page = await submitSignInPage(signInLinkOf(signIn), account.upn, account.password);
  const offer = await user.says(magicCodeOf(page));
  const warning = await user.presses(cardActionData(offer, 'closure.skipExport'));
  const outcome = await user.presses(cardActionData(warning, 'closure.confirm'));
  assert.match(outcome.map((a) => a.text).join(' '), /has been closed/);
  return outcome;
}
