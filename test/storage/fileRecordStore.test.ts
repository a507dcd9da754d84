import assert from 'node:assert/strict';
import { readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileRecordStore } from '../../adapters/storage/fileRecordStore';
import { runWorkersTogether } from './fixtures/workers';
import { createRecordingLogger, createTempDir, expectAppError, type TempDir } from './storageTestSupport';

interface Doc {
  winner: string;
}

describe('FileRecordStore', () => {
  let temp: TempDir;
  beforeEach(async () => {
    temp = await createTempDir();
  });
  afterEach(async () => {
    await temp.remove();
  });

  describe('across processes', () => {
    it('lets exactly one of several processes replacing one read eTag win', async () => {
      const store = new FileRecordStore<Doc>({ dir: temp.path });
      const etag = await store.create('r1', { winner: 'nobody' });
      const labels = ['p1', 'p2', 'p3', 'p4'];
      const results = await runWorkersTogether(labels.map((label) => ['replace', temp.path, 'r1', etag, label]));
      const winners = labels.filter((_, index) => results[index].outcome === 'won');
      assert.equal(winners.length, 1, `winners: ${JSON.stringify(results)}`);
      assert.equal(results.filter((result) => result.outcome === 'conflict').length, labels.length - 1);
      assert.equal((await store.get('r1'))?.value.winner, winners[0]);
    });

    it('keeps a record whole while several processes overwrite it at once, and leaves no temp or lock file', async () => {
      const labels = ['p1', 'p2', 'p3', 'p4'];
      const results = await runWorkersTogether(labels.map((label) => ['overwrite', temp.path, 'r1', label, '25']));
      assert.deepEqual(
        results,
        labels.map(() => ({ written: 25 })),
      );
      const winner = (await new FileRecordStore<Doc>({ dir: temp.path }).get('r1'))?.value.winner;
      assert.ok(
        labels.some((label) => winner === `${label}-24`),
        `last writes only: ${winner}`,
      );
      assert.deepEqual(await readdir(temp.path), ['r1.json']);
    });

    it('sees records written by another store on the same directory, as after a restart', async () => {
      await new FileRecordStore<Doc>({ dir: temp.path }).create('r1', { winner: 'first run' });
      assert.equal((await new FileRecordStore<Doc>({ dir: temp.path }).get('r1'))?.value.winner, 'first run');
    });
  });

  describe('lock files', () => {
    it('breaks a lock left behind by a crashed process once it is older than the stale bound', async () => {
      const { logger, records } = createRecordingLogger();
      const store = new FileRecordStore<Doc>({ dir: temp.path, logger, lockStaleAfterMs: 1_000 });
      const etag = await store.create('r1', { winner: 'nobody' });
      const lock = join(temp.path, '.r1.lock');
      await writeFile(lock, '99999:crashed');
      const longAgo = new Date(Date.now() - 60_000);
      await utimes(lock, longAgo, longAgo);

      await store.replace('r1', { winner: 'after crash' }, etag);

      assert.equal((await store.get('r1'))?.value.winner, 'after crash');
      assert.ok(records.some((record) => record.level === 'warn' && record.message === 'breaking a stale lock'));
      assert.deepEqual((await readdir(temp.path)).sort(), ['r1.json']);
    });

    it('gives up with STORAGE_UNAVAILABLE while a live holder keeps a fresh lock', async () => {
      const store = new FileRecordStore<Doc>({ dir: temp.path, lockTimeoutMs: 50, lockStaleAfterMs: 60_000 });
      const etag = await store.create('r1', { winner: 'nobody' });
      await writeFile(join(temp.path, '.r1.lock'), '99999:alive');

      await expectAppError(store.replace('r1', { winner: 'blocked' }, etag), 'STORAGE_UNAVAILABLE');

      assert.equal((await store.get('r1'))?.value.winner, 'nobody');
    });
    it('overwrites without the lock file, so a lock held elsewhere does not hold up a last-writer-wins write', async () => {
      const store = new FileRecordStore<Doc>({ dir: temp.path, lockTimeoutMs: 50, lockStaleAfterMs: 60_000 });
      const etag = await store.create('r1', { winner: 'first' });
      await writeFile(join(temp.path, '.r1.lock'), '');

      const next = await store.overwrite('r1', { winner: 'overwritten' });

      assert.notEqual(next, etag);
      assert.deepEqual(await store.get('r1'), { value: { winner: 'overwritten' }, etag: next });
      await expectAppError(store.replace('r1', { winner: 'blocked' }, next), 'STORAGE_UNAVAILABLE');
    });

    it('deletes a record that is not there without waiting for its lock', async () => {
      const store = new FileRecordStore<Doc>({ dir: temp.path, lockTimeoutMs: 50, lockStaleAfterMs: 60_000 });
      await store.create('other', { winner: 'kept' });
      await writeFile(join(temp.path, '.r1.lock'), '');

      await store.delete('r1');

      assert.deepEqual((await readdir(temp.path)).sort(), ['.r1.lock', 'other.json']);
      await store.create('r2', { winner: 'x' });
      await writeFile(join(temp.path, '.r2.lock'), '');
      await expectAppError(store.delete('r2'), 'STORAGE_UNAVAILABLE');
      assert.ok(await store.get('r2'), 'a record that is there waits for the lock');
    });
  });

  describe('files on disk', () => {
    it('leaves one JSON file per record and no temp or lock files after many writes', async () => {
      const store = new FileRecordStore<Doc>({ dir: temp.path });
      let etag = await store.create('r1', { winner: 'v0' });
      for (let version = 1; version <= 5; version++) etag = await store.replace('r1', { winner: `v${version}` }, etag);
      await store.create('r2', { winner: 'other' });

      assert.deepEqual((await readdir(temp.path)).sort(), ['r1.json', 'r2.json']);
      const onDisk = JSON.parse(await readFile(join(temp.path, 'r1.json'), 'utf8')) as { value: Doc };
      assert.deepEqual(onDisk.value, { winner: 'v5' });
    });

    it('makes its folder on the first write without a warning, and again with one warning each time it vanished', async () => {
      const { logger, records } = createRecordingLogger();
      const dir = join(temp.path, 'records', 'kind');
      const store = new FileRecordStore<Doc>({ dir, logger });
      const disappeared = () => records.filter((record) => record.level === 'warn' && /had disappeared/.test(record.message)).length;

      await store.create('r1', { winner: 'first' });
      assert.equal(disappeared(), 0);
      await rm(join(temp.path, 'records'), { recursive: true, force: true });
      await store.create('r2', { winner: 'after the folder vanished' });
      await store.create('r3', { winner: 'folder there again' });

      assert.equal(disappeared(), 1);
      assert.deepEqual((await readdir(dir)).sort(), ['r2.json', 'r3.json']);
      assert.equal(await store.get('r1'), undefined);

      // The same for an overwrite (bot state), which takes no lock: the failed write itself finds the folder gone.
      await rm(join(temp.path, 'records'), { recursive: true, force: true });
      await store.overwrite('s1', { winner: 'state after the folder vanished again' });
      await store.overwrite('s2', { winner: 'state' });
      assert.equal(disappeared(), 2);
      assert.deepEqual((await readdir(dir)).sort(), ['s1.json', 's2.json']);

      const fresh = new FileRecordStore<Doc>({ dir: join(temp.path, 'state'), logger });
      await fresh.overwrite('s1', { winner: 'first state ever' });
      assert.equal(disappeared(), 2, 'a folder made by the first write is no news');
    });

    it('writes compact JSON that a store reading pretty-printed files from before still takes, eTag and all', async () => {
      const store = new FileRecordStore<Doc>({ dir: temp.path });
      await store.create('r1', { winner: 'compact' });
      assert.equal((await readFile(join(temp.path, 'r1.json'), 'utf8')).split('\n').length, 2);

      await writeFile(join(temp.path, 'old.json'), `${JSON.stringify({ writeId: 'w', value: { winner: 'pretty' } }, null, 2)}\n`);
      const old = await store.get('old');
      assert.equal(old?.value.winner, 'pretty');
      await store.replace('old', { winner: 'rewritten' }, old.etag);
      assert.equal((await store.get('old'))?.value.winner, 'rewritten');
    });

    it('reports a record file that is not JSON as RECORD_UNREADABLE (the record, not the store), and names it in a walk', async () => {
      await writeFile(join(temp.path, 'broken.json'), '{"value": ');
      const store = new FileRecordStore<Doc>({ dir: temp.path });
      await store.create('whole', { winner: 'x' });
      await expectAppError(store.get('broken'), 'RECORD_UNREADABLE');
      const walked: Array<[string, string]> = [];
      for await (const page of store.scan())
        for (const entry of page) walked.push([entry.id, entry.record ? 'read' : entry.unreadable.code]);
      assert.deepEqual(walked.sort(), [
        ['broken', 'RECORD_UNREADABLE'],
        ['whole', 'read'],
      ]);
    });

    it('wraps a directory it cannot write to as STORAGE_UNAVAILABLE with the cause', async () => {
      const notADir = join(temp.path, 'file');
      await writeFile(notADir, 'occupied');
      const store = new FileRecordStore<Doc>({ dir: join(notADir, 'records') });
      const error = await expectAppError(store.create('r1', { winner: 'x' }), 'STORAGE_UNAVAILABLE');
      assert.ok(error.cause instanceof Error);
    });
  });
});
