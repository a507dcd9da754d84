import assert from 'node:assert/strict';
import sinon from 'sinon';
import { createDeadlines } from '../../adapters/http/deadlines';

describe("createDeadlines (one timer for the HTTP client's per-attempt timeouts)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => clock.restore());

  it('expires each entry at its own deadline, and never one that was cancelled', () => {
    const deadlines = createDeadlines();
    const expired: string[] = [];
    deadlines.add(100, () => expired.push('a'));
    const cancelB = deadlines.add(100, () => expired.push('b'));
    deadlines.add(300, () => expired.push('c'));
    cancelB();
    clock.tick(99);
    assert.deepEqual(expired, []);
    clock.tick(1);
    assert.deepEqual(expired, ['a']);
    clock.tick(200);
    assert.deepEqual(expired, ['a', 'c']);
  });

  it('arms one timer for many calls with the same timeout, not one per call', () => {
    const deadlines = createDeadlines();
    const spy = sinon.spy(globalThis, 'setTimeout');
    try {
      const cancels = Array.from({ length: 50 }, () => deadlines.add(10_000, () => assert.fail('cancelled')));
      for (const cancel of cancels) cancel();
      assert.equal(spy.callCount, 1);
    } finally {
      spy.restore();
    }
  });

  it('re-arms earlier for a shorter timeout that arrives later', () => {
    const deadlines = createDeadlines();
    const expired: string[] = [];
    deadlines.add(1_000, () => expired.push('long'));
    deadlines.add(50, () => expired.push('short'));
    clock.tick(50);
    assert.deepEqual(expired, ['short']);
    clock.tick(950);
    assert.deepEqual(expired, ['short', 'long']);
  });
});
