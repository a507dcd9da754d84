import { strict as assert } from 'node:assert';
import { mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STALE_TEMP_FILE_MS } from '../../adapters/storage/atomicFile';
import { startHarness, type BotHarness } from '../support/botHarness';

/** What a writer killed between its temp file's write and the rename leaves: a whole record under a hidden name. */
const TEMP_NAME = '.cr_0123.json.5f0c6d0e-8a54-4c43-9a1e-2b7f0c9d1e2a.tmp';

describe('temp files a crash left (STORAGE=file), while the bot runs', () => {
  let harness: BotHarness;
  afterEach(async () => {
    await harness.stop();
  });

  it('are swept by the background schedule, not only at the next start', async () => {
    harness = await startHarness();
    const folder = path.join(harness.dataDir, 'closureRequests');
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, TEMP_NAME);
    await writeFile(file, '{"writeId":"w","value":{"upn":"kim@fabrikamvolunteers.example"}}\n');
    const old = new Date(Date.now() - STALE_TEMP_FILE_MS - 60_000);
    await utimes(file, old, old);

    const report = await harness.bot.background.run('tempFiles');
    assert.deepEqual([report.done, report.passError], [1, undefined]);
    await assert.rejects(stat(file), /ENOENT/);
  });
});
