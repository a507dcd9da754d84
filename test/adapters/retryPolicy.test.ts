import assert from 'node:assert/strict';
import { backoffDelay, isRetryableStatus, isRetryableTransportFailure, parseRetryAfter } from '../../adapters/http/retryPolicy';

const NOW = Date.parse('2025-03-01T10:00:00Z');
const CAP = 30_000;

describe('retryPolicy', () => {
  describe('parseRetryAfter', () => {
    it('ignores a missing, empty or unreadable header, so backoff applies', () => {
      assert.equal(parseRetryAfter(null, NOW, CAP), undefined);
      assert.equal(parseRetryAfter('  ', NOW, CAP), undefined);
      assert.equal(parseRetryAfter('soon', NOW, CAP), undefined);
      assert.equal(parseRetryAfter('-5', NOW, CAP), undefined);
    });

    it('treats an HTTP date already past as "now"', () => {
      assert.equal(parseRetryAfter('Sat, 01 Mar 2025 09:59:00 GMT', NOW, CAP), 0);
    });

    it('rounds fractional seconds up to whole milliseconds', () => {
      assert.equal(parseRetryAfter('0.0015', NOW, CAP), 2);
    });
  });

  describe('isRetryableStatus', () => {
    it('retries throttling for any call, unavailability only for idempotent calls, and never a client error', () => {
      assert.equal(isRetryableStatus(429, false), true);
      assert.equal(isRetryableStatus(503, true), true);
      assert.equal(isRetryableStatus(503, false), false);
      assert.equal(isRetryableStatus(504, true), true);
      assert.equal(isRetryableStatus(500, true), false);
      assert.equal(isRetryableStatus(409, true), false);
    });
  });

  describe('isRetryableTransportFailure', () => {
    it('retries a non-idempotent call only when the connection was refused, even when undici nests the cause', () => {
      const refused = new TypeError('fetch failed', {
        cause: new AggregateError([Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })]),
      });
      const reset = new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
      assert.equal(isRetryableTransportFailure(refused, false), true);
      assert.equal(isRetryableTransportFailure(reset, false), false);
      assert.equal(isRetryableTransportFailure(reset, true), true);
    });
  });

  describe('backoffDelay', () => {
    it('never exceeds the cap however many attempts failed', () => {
      assert.equal(
        backoffDelay(20, { maxAttempts: 30, baseDelayMs: 100, maxDelayMs: 1_000 }, () => 0.999),
        999,
      );
      assert.equal(
        backoffDelay(1, { maxAttempts: 30, baseDelayMs: 100, maxDelayMs: 1_000 }, () => 0),
        0,
      );
    });
  });
});
