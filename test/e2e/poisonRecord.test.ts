import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sinon from 'sinon';
import type { QuarantineEntry } from '../../services/background/quarantine';
import { createStores } from '../../adapters/storage/createStores';
import type { OpenMark } from '../../services/openRecordIndex';
import { cardActionData, signInThroughChat, startHarness, textsOf, TEST_SEED, type BotHarness, type ChatUser } from '../support/botHarness';

const KIM = TEST_SEED.users[0];
const POISON = 'cr_0123456789abcdef0123456789abcdef';

async function reachWarning(user: ChatUser): Promise<Record<string, string>> {
  const afterCode = await signInThroughChat(user, await user.says('close my account'), KIM.upn, KIM.password);
  return cardActionData(await user.presses(cardActionData(afterCode, 'closure.skipExport')), 'closure.confirm');
}

describe('a closure request that cannot be read (truncated JSON) among live ones, over /api/messages', () => {
  let harness: BotHarness;
  let clock: sinon.SinonFakeTimers | undefined;
  afterEach(async () => {
    clock?.restore();
    await harness.stop();
  });

  it('is set aside by id while expiry and reconcile go on for everyone else, and later passes skip it', async () => {
    harness = await startHarness();
    const kim = harness.user();
    await reachWarning(kim);
    // A record cut short (a disk that filled up mid-write, a hand edit), with its open mark.
    const stores = createStores({ kind: 'file', dir: harness.dataDir });
    await stores.records<OpenMark>('closureRequestsOpen').create(POISON, { markedAt: new Date().toISOString() });
    await writeFile(path.join(harness.dataDir, 'closureRequests', `${POISON}.json`), '{"writeId":"w","value":{"requestId":"cr_01');

    clock = sinon.useFakeTimers({ now: Date.now() + 601_000, toFake: ['Date'] });
    assert.equal(await harness.bot.background.expireWarnings(), 1, "Kim's overdue warning expired all the same");
    const reconciled = await harness.bot.background.run('reconcile');
    assert.equal(reconciled.passError, undefined, 'the reconcile pass does not throw either');
    const again = textsOf(await kim.says('close my account'));
    assert.match(again, /signed in as/);

    const quarantined = (await stores.records<QuarantineEntry>('quarantine').list()).map((r) => r.value);
    assert.deepEqual(
      quarantined.map(({ kind, recordId, reason }) => ({ kind, recordId, reason })),
      [{ kind: 'closureRequests', recordId: POISON, reason: 'RECORD_UNREADABLE' }],
    );
    const setAside = harness.logs.filter((record) => record.message.includes('set aside'));
    assert.equal(setAside.length, 1);
    assert.equal(setAside[0].fields?.recordId, POISON);
    assert.doesNotMatch(JSON.stringify(setAside), new RegExp(KIM.upn.replace('.', '\\.')));

    const report = await harness.bot.background.run('reconcile');
    assert.equal(report.skipped, 1, 'skipped, not read again');
    assert.equal(report.passError, undefined);
    assert.equal(harness.logs.filter((record) => record.message.includes('set aside')).length, 1);
  });
});
