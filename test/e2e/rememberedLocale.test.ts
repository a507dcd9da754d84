import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startHarness, textsOf, type BotHarness, type ReplyActivity } from '../support/botHarness';

/**
 * The language of an activity without a locale (the token service's `tokens/response`) is the one the user's last
 * locale named, kept in the conversation state; a locale that reads as English (the default) is not written there
 * when nothing else is, so a first "hello" leaves no state behind (issue 22: a state file or blob per welcome turn).
 */
describe('the locale remembered per user, over /api/messages with file storage', () => {
  let harness: BotHarness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.stop();
  });

  const stateFiles = async () => (await readdir(path.join(harness.dataDir, 'state')).catch(() => [])).length;
  const texts = async (send: Promise<{ status: number; body: unknown }>) => {
    const { status, body } = await send;
    assert.equal(status, 200);
    return textsOf(((body as { activities?: ReplyActivity[] }).activities ?? []).filter((a) => a.type === 'message'));
  };

  it('writes no state for an English first "hello", and answers a later activity without a locale in English', async () => {
    const kim = harness.user();
    const before = await stateFiles();
    await kim.says('hello');
    assert.equal(await stateFiles(), before, 'no state written for the welcome');
    assert.match(await texts(kim.send({ type: 'message', text: 'help', locale: undefined })), /I help members of/);
  });

  it('remembers a German locale from the first "hello", for a later activity without one', async () => {
    const kim = harness.user();
    const before = await stateFiles();
    await texts(kim.send({ type: 'message', text: 'hallo', locale: 'de-DE' }));
    assert.equal(await stateFiles(), before + 1, 'the locale kept in the state');
    assert.match(await texts(kim.send({ type: 'message', text: 'Hilfe', locale: undefined })), /Ich helfe Mitgliedern/);
  });

  it('replaces a remembered German locale when the user writes in English, so a later activity without one is English', async () => {
    const kim = harness.user();
    await texts(kim.send({ type: 'message', text: 'hallo', locale: 'de-DE' }));
    await kim.says('hello');
    assert.match(await texts(kim.send({ type: 'message', text: 'help', locale: undefined })), /I help members of/);
  });
});
