import assert from 'node:assert/strict';
import type { AuditEvent, AuditTrail } from '../../services/auditTrail';
import { isAppError } from '../../services/errors';
import type { RecordStore } from '../../services/recordStore';
import { BatchedAuditTrail } from '../../adapters/storage/batchedAuditTrail';
import { MemoryAuditTrail } from '../../adapters/storage/memoryAuditTrail';
import { MemoryRecordStore } from '../../adapters/storage/memoryRecordStore';
import { TurnCachedRecordStore } from '../../adapters/storage/turnCachedRecordStore';
import { runAsOneTurn } from '../../services/turnScope';

const AT = '2026-06-01T10:00:00.000Z';
const event = (type: AuditEvent['type'], requestId = 'cr_1'): AuditEvent => ({ type, at: AT, requestId });

/** A trail that records each write it is asked for: one entry per `append` or `appendAll`. */
function createRecordingTrail(): AuditTrail & { writes: string[][] } {
  const inner = new MemoryAuditTrail();
  const writes: string[][] = [];
  return {
    writes,
    append: async (e) => (writes.push([e.type]), inner.append(e)),
    appendAll: async (events) => (writes.push(events.map((e) => e.type)), inner.appendAll(events)),
    readAll: (options) => inner.readAll(options),
  };
}

/** A record store that counts reads and can be made to fail its next write with a lost race. */
function createCountingStore<T>(): RecordStore<T> & { gets: number; loseNextWrite(): void } {
  const inner = new MemoryRecordStore<T>();
  let lose = false;
  const store = {
    gets: 0,
    loseNextWrite: () => (lose = true),
    get: (id: string) => ((store.gets += 1), inner.get(id)),
    create: (id: string, value: T) => inner.create(id, value),
    replace: async (id: string, value: T, etag: string) => {
      if (lose) {
        lose = false;
        // Another instance wrote first: the store moves on, this write loses.
        const current = await inner.get(id);
        await inner.replace(id, value, current!.etag);
      }
      return inner.replace(id, value, etag);
    },
    list: () => inner.list(),
    scan: (pageSize?: number) => inner.scan(pageSize),
    delete: (id: string, etag?: string) => inner.delete(id, etag),
  };
  return store;
}

describe('BatchedAuditTrail (a turn’s audit events written together)', () => {
  it('writes the events of one turn in one write when the turn ends, in order', async () => {
    const trail = createRecordingTrail();
    const audit = new BatchedAuditTrail(trail);
    await runAsOneTurn(async () => {
      await audit.append(event('signedIn'));
      await audit.append(event('realmChecked'));
      assert.deepEqual(trail.writes, [], 'held while the turn runs');
      await audit.append(event('exportOffered'));
    });
    assert.deepEqual(trail.writes, [['signedIn', 'realmChecked', 'exportOffered']]);
  });

  it('writes what it holds at a flush, and only the rest at the end', async () => {
    const trail = createRecordingTrail();
    const audit = new BatchedAuditTrail(trail);
    await runAsOneTurn(async () => {
      await audit.append(event('confirmed'));
      await audit.append(event('closing'));
      await audit.flush();
      assert.deepEqual(trail.writes, [['confirmed', 'closing']], 'written before the irreversible step');
      await audit.append(event('closed'));
    });
    assert.deepEqual(trail.writes, [['confirmed', 'closing'], ['closed']]);
    assert.deepEqual(
      (await audit.readAll()).map((e) => e.type),
      ['confirmed', 'closing', 'closed'],
      'each event once',
    );
  });

  it('writes every event at once outside a turn, and once a turn has ended', async () => {
    const trail = createRecordingTrail();
    const audit = new BatchedAuditTrail(trail);
    await audit.append(event('expired'));
    let later: Promise<void> | undefined;
    await runAsOneTurn(async () => {
      // Work the turn starts that outlives it (Teams' after-reply closing).
      later = new Promise<void>((resolve) => setImmediate(resolve)).then(() => audit.append(event('closed')));
    });
    await later;
    assert.deepEqual(trail.writes, [['expired'], ['closed']]);
  });

  it('writes the events of a turn that throws, and throws its error', async () => {
    const trail = createRecordingTrail();
    const audit = new BatchedAuditTrail(trail);
    await assert.rejects(
      runAsOneTurn(async () => {
        await audit.append(event('confirmed'));
        throw new Error('the closer broke');
      }),
      /the closer broke/,
    );
    assert.deepEqual(trail.writes, [['confirmed']]);
  });

  it('refuses a bad event where it is appended, not at the end of the turn', async () => {
    const audit = new BatchedAuditTrail(createRecordingTrail());
    await runAsOneTurn(async () => {
      await assert.rejects(audit.append({ type: 'signedIn', at: 'yesterday' }), (error: unknown) =>
        isAppError(error, 'AUDIT_EVENT_INVALID'),
      );
    });
  });

  it('reads its own held events in the turn (they are written first)', async () => {
    const audit = new BatchedAuditTrail(createRecordingTrail());
    await runAsOneTurn(async () => {
      await audit.append(event('closed'));
      assert.deepEqual(
        (await audit.readAll()).map((e) => e.type),
        ['closed'],
      );
    });
  });
});

describe('TurnCachedRecordStore (a record read once per turn)', () => {
  it('reads a record once in a turn, and not at all after the turn’s own write', async () => {
    const inner = createCountingStore<{ n: number }>();
    const store = new TurnCachedRecordStore(inner);
    const etag = await store.create('a', { n: 1 });
    await runAsOneTurn(async () => {
      const first = await store.get('a');
      assert.deepEqual(await store.get('a'), first);
      assert.equal(inner.gets, 1);
      const written = await store.replace('a', { n: 2 }, etag);
      assert.deepEqual(await store.get('a'), { value: { n: 2 }, etag: written });
      assert.equal(inner.gets, 1, 'no read after its own compare-and-swap');
    });
    await store.get('a');
    assert.equal(inner.gets, 2, 'a new turn (or none) reads again');
  });

  it('forgets a record whose write lost a race, so the retry reads what the other writer wrote', async () => {
    const inner = createCountingStore<{ n: number }>();
    const store = new TurnCachedRecordStore(inner);
    await store.create('a', { n: 1 });
    await runAsOneTurn(async () => {
      const read = await store.get('a');
      inner.loseNextWrite();
      await assert.rejects(store.replace('a', { n: 2 }, read!.etag), (error: unknown) => isAppError(error, 'RECORD_CONFLICT'));
      const again = await store.get('a');
      assert.equal(inner.gets, 2);
      assert.notEqual(again?.etag, read?.etag);
    });
  });

  it('remembers a record the turn found absent or deleted, and reads through outside a turn', async () => {
    const inner = createCountingStore<{ n: number }>();
    const store = new TurnCachedRecordStore(inner);
    await runAsOneTurn(async () => {
      assert.equal(await store.get('none'), undefined);
      assert.equal(await store.get('none'), undefined);
      assert.equal(inner.gets, 1);
      await store.create('b', { n: 1 });
      await store.delete('b');
      assert.equal(await store.get('b'), undefined);
      assert.equal(inner.gets, 1);
    });
    assert.equal(await store.get('none'), undefined);
    assert.equal(await store.get('none'), undefined);
    assert.equal(inner.gets, 3);
  });
});
