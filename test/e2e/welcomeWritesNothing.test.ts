import { strict as assert } from 'node:assert';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { cardActionData, startHarness, type BotHarness } from '../support/botHarness';

/** Every file of the bot's own under DATA_DIR (the embedded sandbox's folder and the seed apart), with its mtime and size. */
async function botFiles(dataDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (full !== path.join(dataDir, 'sandbox')) await walk(full);
      } else if (full !== path.join(dataDir, 'seed.json')) {
        const info = await stat(full);
        files.set(path.relative(dataDir, full), `${info.mtimeMs} ${info.size}`);
      }
    }
  };
  await walk(dataDir);
  return files;
}

async function stateFiles(dataDir: string): Promise<string[]> {
  return readdir(path.join(dataDir, 'state')).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
}

/**
 * Issue 22: a file-storage welcome turn cost 1.5-2x the memory one because it wrote a state file holding nothing but
 * the locale (bot/storage/blankState.ts). Through the HTTP endpoint with STORAGE=file, the first turns of new
 * conversations that begin no flow leave the data folder as it was; the first turn that begins one writes its state.
 */
describe('turns that begin nothing, on file storage', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness({ STORAGE: 'file' });
  });
  afterEach(async () => {
    await harness.stop();
  });

  it('answer a new conversation\'s "hello", "help", "status" and "cancel" without writing a file', async () => {
    const before = await botFiles(harness.dataDir);
    for (const text of ['hello', 'help', 'status', 'cancel']) {
      const replies = await harness.user().says(text);
      assert.ok(replies.length > 0, `"${text}" is answered`);
    }
    const welcome = await harness.user().send({ type: 'message', text: 'hallo', locale: 'de-DE' });
    assert.equal(welcome.status, 200);

    assert.deepEqual(await stateFiles(harness.dataDir), []);
    assert.deepEqual(await botFiles(harness.dataDir), before, 'no file of the bot was written, created or touched');
  });

  it('write the state of the turn that begins the closure, write it over when it is cancelled, and leave it alone on a later hello', async () => {
    const kim = harness.user();
    const welcome = await kim.says('hello');
    assert.deepEqual(await stateFiles(harness.dataDir), []);

    const signIn = await kim.presses(cardActionData(welcome, 'closure.start'));
    const [file, ...others] = await stateFiles(harness.dataDir);
    assert.ok(file, 'the sign-in prompt waiting is stored');
    assert.deepEqual(others, []);
    assert.match(JSON.stringify(signIn), /Sign in/);
    const stored = await readFile(path.join(harness.dataDir, 'state', file), 'utf8');
    assert.match(stored, /"locale":"en-US"/);
    assert.match(stored, /"dialogStack":\[\{/);

    assert.ok((await kim.says('cancel')).length > 0);
    assert.deepEqual(await stateFiles(harness.dataDir), [file]);
    const afterCancel = await readFile(path.join(harness.dataDir, 'state', file), 'utf8');
    assert.notEqual(afterCancel, stored, 'the cancelled flow is written over, not left waiting');
    assert.doesNotMatch(afterCancel, /"dialogStack":\[\{/);

    const again = await stat(path.join(harness.dataDir, 'state', file));
    assert.ok((await kim.says('hello')).length > 0);
    assert.equal((await stat(path.join(harness.dataDir, 'state', file))).mtimeMs, again.mtimeMs);
  });
});
