import { strict as assert } from 'node:assert';
import { processTestTimeout } from '../support/botProcess';
import { chaosTable, runChaos, type ChaosPlan, type ChaosResult } from '../support/chaos/chaosRun';
import { said } from '../support/chaos/sentences';
import en from '../../locales/en.json';

/**
 * The small version of `npm run chaos` (issue 19's kill -9 and storage-outage run): six people on two instances on
 * Azurite, one instance killed with SIGKILL and restarted, storage cut once, then the background passes until every
 * request is settled. The invariants are checked by the run itself (test/support/chaos/count.ts); the big run's
 * numbers are in docs/scaling.md.
 */
describe('two instances on Azurite while one is killed -9 and storage is cut', function () {
  // Four processes start (Azurite, the sandbox, two bots) and one restarts, one after the other, on a busy machine.
  this.timeout(processTestTimeout(5));
  const plan: ChaosPlan = {
    people: 6,
    kills: 1,
    outages: 1,
    outageMs: 3_000,
    concurrency: 6,
    seed: 19,
    quietTimeoutMs: 45_000,
    // Short enough that a warning whose answer was lost expires within the quiet wait.
    env: { CLOSURE_CONFIRMATION_TTL_SECONDS: '30' },
  };
  let result: ChaosResult;
  before(async () => {
    result = await runChaos(plan);
  });

  it('kills and cuts what it planned, and every person reaches the warning and decides', () => {
    assert.equal(result.kills, 1);
    assert.equal(result.outages, 1);
    assert.equal(result.counts.gaveUp, 0, result.counts.failures.join('\n'));
    assert.deepEqual(result.counts.byChoice, { yes: 4, no: 1, cancel: 1 });
  });

  it('closes each account of a recorded Yes once and no other, and tells each closer once', () => {
    assert.ok(result.quiet, `the background passes did not settle every request:\n${result.counts.failures.join('\n')}`);
    assert.deepEqual(
      result.counts.failures,
      [],
      chaosTable(plan, result)
        .map((row) => row.join(': '))
        .join('\n'),
    );
    assert.equal(result.counts.yesTold.closed ?? 0, result.counts.accountsClosed, 'every closed account is a Yes presser told "closed"');
  });

  it('scanned the stores it claims are free of personal data', () => {
    assert.ok(result.counts.blobsScanned > result.counts.requests, `${result.counts.blobsScanned} blobs`);
    assert.equal(result.counts.personalHits, 0);
    assert.ok(result.counts.auditEvents > 0);
  });
});

describe('what the chaos run reads from a message', () => {
  it('tells the closure notices, filled in, from the sentences that claim nothing was closed', () => {
    const filled = en.closedInBackground.replace('{{requestId}}', 'cr_1').replace('{{closedAt}}', '7 December 2026, 21:00 UTC');
    assert.equal(said(filled), 'closed');
    assert.equal(said(en.declined.replace('{{signOutOffer}}', en.signOutOffer)), 'declined');
    assert.equal(said(en.notRecorded), 'notRecorded');
    assert.equal(said(en.notRecordedUnsure), 'notRecordedUnsure');
    assert.equal(said(`Not quite: ${filled}`), 'other', 'a sentence matches whole, not by a part of it');
  });
});
