import { strict as assert } from 'node:assert';
import { startHarness, type BotHarness } from '../support/botHarness';

describe('the HTTP server at its edges', () => {
  let harness: BotHarness;
  before(async () => {
    harness = await startHarness();
  });
  after(async () => {
    await harness.stop();
  });

  const post = (body: string, contentType = 'application/json') =>
    fetch(`${harness.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('answers /healthz', async () => {
    const response = await fetch(`${harness.bot.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('refuses a body that is not JSON with 415 and says what to send', async () => {
    const response = await post('type=message', 'application/x-www-form-urlencoded');
    assert.equal(response.status, 415);
    assert.match(await response.text(), /Content-Type: application\/json/);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await post('{"type": "message",');
    assert.equal(response.status, 400);
    assert.match(await response.text(), /InvalidJson/);
  });

  it('refuses an oversized body with 413', async () => {
    const response = await post(JSON.stringify({ type: 'message', text: 'x'.repeat(400 * 1024) }));
    assert.equal(response.status, 413);
  });

  it('refuses an activity that is not an object, naming the problem', async () => {
    const response = await post('[1, 2, 3]');
    assert.equal(response.status, 400);
    assert.match(await response.text(), /must be a JSON object/);
  });

  it('keeps serving after bad requests', async () => {
    const replies = await harness.user().says('hello');
    assert.equal(replies.length, 1);
  });
});
