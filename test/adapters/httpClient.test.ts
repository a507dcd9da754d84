import assert from 'node:assert/strict';
import { createHttpClient, type HttpClientOptions } from '../../adapters/http/httpClient';
import { HttpError } from '../../adapters/http/httpError';
import { createRecordingLogger, createRecordingSleep, startScriptedServer, type ScriptedServer } from './support/loopbackServer';

const RETRY = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };

function createClient(overrides: Partial<HttpClientOptions> = {}) {
  const { logger, records } = createRecordingLogger();
  const { sleep, waits } = createRecordingSleep();
  const client = createHttpClient({ logger, timeoutMs: 2_000, retry: RETRY, sleep, random: () => 0.5, ...overrides });
  return { client, records, waits };
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => assert.fail('expected the request to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof HttpError, `expected an HttpError, got ${String(error)}`);
  return error;
}

describe('createHttpClient', () => {
  let server: ScriptedServer;
  beforeEach(async () => {
    server = await startScriptedServer();
  });
  afterEach(async () => {
    await server.stop();
  });
  const get = (path = '/v1.0/me') => ({ method: 'GET', url: `${server.baseUrl}${path}`, operation: 'test.get', idempotent: true });

  describe('when the service throttles with Retry-After', () => {
    it('waits the whole seconds the header asks for, then returns the answer', async () => {
      const { client, waits } = createClient();
      server.script({ status: 429, headers: { 'retry-after': '3' } }, { status: 200, body: { ok: true } });
      const response = await client.request(get());
      assert.deepEqual(response.body, { ok: true });
      assert.deepEqual(waits, [3_000]);
    });

    it('honours fractional seconds', async () => {
      const { client, waits } = createClient();
      server.script({ status: 429, headers: { 'retry-after': '0.25' } }, { status: 200, body: {} });
      await client.request(get());
      assert.deepEqual(waits, [250]);
    });

    it('honours an HTTP date, measured on the injected clock', async () => {
      const now = Date.parse('2025-03-01T10:00:00Z');
      const { client, waits } = createClient({ now: () => now });
      server.script({ status: 429, headers: { 'retry-after': 'Sat, 01 Mar 2025 10:00:07 GMT' } }, { status: 200, body: {} });
      await client.request(get());
      assert.deepEqual(waits, [7_000]);
    });

    it('caps a Retry-After beyond the configured maximum', async () => {
      const { client, waits } = createClient();
      server.script({ status: 429, headers: { 'retry-after': '86400' } }, { status: 200, body: {} });
      await client.request(get());
      assert.deepEqual(waits, [30_000]);
    });

    it('retries a throttled non-idempotent POST, because a 429 was not processed', async () => {
      const { client } = createClient();
      server.script({ status: 429, headers: { 'retry-after': '1' } }, { status: 202, headers: { location: 'http://x/op/1' } });
      const response = await client.request({ ...get('/export'), method: 'POST', body: { storageLocation: 'x' }, idempotent: false });
      assert.equal(response.status, 202);
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[1]?.body, '{"storageLocation":"x"}');
    });
  });

  describe('when the service throttles without Retry-After', () => {
    it('backs off exponentially with jitter, within the cap', async () => {
      const { client, waits } = createClient({ random: () => 0.999 });
      server.script({ status: 429 }, { status: 429 }, { status: 429 }, { status: 200, body: {} });
      await client.request(get());
      assert.deepEqual(waits, [99, 199, 399]);
    });
  });

  describe('when the service is briefly unavailable', () => {
    it('retries a 503 and returns the 200 that follows', async () => {
      const { client } = createClient();
      server.script({ status: 503 }, { status: 200, body: { id: 1 } });
      const response = await client.request(get());
      assert.deepEqual(response.body, { id: 1 });
    });

    it('retries a 504', async () => {
      const { client } = createClient();
      server.script({ status: 504 }, { status: 200, body: {} });
      assert.equal((await client.request(get())).status, 200);
      assert.equal(server.requests.length, 2);
    });

    it('gives up after maxAttempts with the last status and the service error code', async () => {
      const { client } = createClient();
      const unavailable = { status: 503, body: { error: { code: 'serviceNotAvailable', message: 'try later' } } };
      server.script(unavailable, unavailable, unavailable, unavailable, { status: 200, body: {} });
      const error = await rejection(client.request(get()));
      assert.equal(error.kind, 'status');
      assert.equal(error.status, 503);
      assert.equal(error.serviceCode, 'serviceNotAvailable');
      assert.equal(error.attempts, 4);
      assert.equal(server.requests.length, 4);
    });

    it('gives up when the next wait would pass the overall deadline', async () => {
      let clock = 0;
      const waits: number[] = [];
      const { client } = createClient({ deadlineMs: 5_000, now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)) });
      server.script(
        { status: 429, headers: { 'retry-after': '3' } },
        { status: 429, headers: { 'retry-after': '3' } },
        { status: 200, body: {} },
      );
      const error = await rejection(client.request(get()));
      assert.equal(error.status, 429);
      assert.deepEqual(waits, [3_000]);
    });

    it('does not retry a 503 of a non-idempotent call, which may have been processed', async () => {
      const { client } = createClient();
      server.script({ status: 503 }, { status: 202 });
      const error = await rejection(client.request({ ...get(), method: 'POST', idempotent: false }));
      assert.equal(error.status, 503);
      assert.equal(server.requests.length, 1);
    });
  });

  describe('when the connection is lost', () => {
    it('retries an idempotent call after the server resets the connection', async () => {
      const { client } = createClient();
      server.script('reset', { status: 204 });
      assert.equal((await client.request({ ...get(), method: 'DELETE' })).status, 204);
      assert.equal(server.requests.length, 2);
    });

    it('does not retry a non-idempotent POST after a reset, and says it was a network failure', async () => {
      const { client } = createClient();
      server.script('reset', { status: 202 });
      const error = await rejection(client.request({ ...get(), method: 'POST', body: {}, idempotent: false }));
      assert.equal(error.kind, 'network');
      assert.equal(server.requests.length, 1);
    });

    it('retries a non-idempotent POST whose connection was refused, since it never left', async () => {
      const stopped = await startScriptedServer();
      const url = `${stopped.baseUrl}/export`;
      await stopped.stop();
      const { client, waits } = createClient();
      const error = await rejection(client.request({ method: 'POST', url, operation: 'test.post', idempotent: false }));
      assert.equal(error.kind, 'network');
      assert.equal(error.attempts, RETRY.maxAttempts);
      assert.equal(waits.length, RETRY.maxAttempts - 1);
    });
  });

  describe('when the server never answers', () => {
    it('times out each attempt and reports a timeout', async () => {
      const { client } = createClient({ timeoutMs: 50, retry: { ...RETRY, maxAttempts: 2 } });
      server.script('hang', 'hang');
      const error = await rejection(client.request(get()));
      assert.equal(error.kind, 'timeout');
      assert.equal(server.requests.length, 2);
    });

    it('times out a body that stalls after the headers', async () => {
      const { client } = createClient({ timeoutMs: 50, retry: { ...RETRY, maxAttempts: 1 } });
      server.script('stallBody');
      const error = await rejection(client.request(get()));
      assert.equal(error.kind, 'timeout');
    });

    it('recovers when a retry is answered', async () => {
      const { client } = createClient({ timeoutMs: 50 });
      server.script('hang', { status: 200, body: { late: false } });
      assert.deepEqual((await client.request(get())).body, { late: false });
    });
  });

  describe('when the service rejects the request', () => {
    for (const status of [400, 403, 404]) {
      it(`does not retry a ${status} and keeps the Graph error code`, async () => {
        const { client, waits } = createClient();
        server.script({ status, body: { error: { code: 'Request_ResourceNotFound', message: 'Resource ada@x does not exist' } } });
        const error = await rejection(client.request(get()));
        assert.equal(error.status, status);
        assert.equal(error.serviceCode, 'Request_ResourceNotFound');
        assert.equal(server.requests.length, 1);
        assert.deepEqual(waits, []);
        assert.doesNotMatch(error.message, /ada@x/);
      });
    }
  });

  describe('when the body is not what it claims', () => {
    it('turns a malformed JSON body of a 200 into a clear error instead of crashing', async () => {
      const { client } = createClient();
      server.script({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"id": ' });
      const error = await rejection(client.request(get()));
      assert.equal(error.kind, 'malformedBody');
      assert.match(error.message, /not valid JSON/);
    });

    it('still reports the status of an error answer whose body is malformed', async () => {
      const { client } = createClient();
      server.script({ status: 400, headers: { 'content-type': 'application/json' }, body: '<html>' });
      const error = await rejection(client.request(get()));
      assert.equal(error.kind, 'status');
      assert.equal(error.status, 400);
      assert.equal(error.serviceCode, undefined);
    });

    it('returns an undefined body for an empty 204', async () => {
      const { client } = createClient();
      server.script({ status: 204 });
      assert.equal((await client.request(get())).body, undefined);
    });
  });

  describe('what it sends and logs', () => {
    it('sends one fresh client-request-id GUID per call, the same on every attempt of it', async () => {
      const { client } = createClient();
      server.script({ status: 503 }, { status: 200, body: {} }, { status: 200, body: {} });
      await client.request(get());
      await client.request(get());
      const ids = server.requests.map((req) => req.headers['client-request-id']);
      assert.match(String(ids[0]), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(ids[0], ids[1]);
      assert.notEqual(ids[1], ids[2]);
    });

    it('keeps a client-request-id the caller chose', async () => {
      const { client } = createClient();
      server.script({ status: 200, body: {} });
      await client.request({ ...get(), headers: { 'client-request-id': '11111111-2222-4333-8444-555555555555' } });
      assert.equal(server.requests[0]?.headers['client-request-id'], '11111111-2222-4333-8444-555555555555');
    });

    it('logs method, status, attempt and both request ids, but no token, query string or address', async () => {
      const { client, records } = createClient();
      server.script({ status: 429, headers: { 'request-id': 'req-1' } }, { status: 200, headers: { 'request-id': 'req-2' }, body: {} });
      const secret = 'eyJ0eXAiOiJKV1QiLCJzZWNyZXQiOnRydWV9.c2VjcmV0.sig';
      await client.request({
        ...get('/common/userrealm/ada%40fabrikam.example?api-version=2.1&sig=s3cr3t'),
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(server.requests[0]?.headers.authorization, `Bearer ${secret}`);
      const serialized = JSON.stringify(records);
      assert.doesNotMatch(serialized, /eyJ0eXAi|s3cr3t|api-version|fabrikam/);
      assert.doesNotMatch(serialized, /authorization/i);
      const last = records.at(-1);
      assert.equal(last?.fields?.method, 'GET');
      assert.equal(last?.fields?.status, 200);
      assert.equal(last?.fields?.attempt, 2);
      assert.equal(last?.fields?.requestId, 'req-2');
      assert.equal(last?.fields?.clientRequestId, server.requests[1]?.headers['client-request-id']);
      assert.equal(last?.fields?.url, `${server.baseUrl}/common/userrealm/{redacted}`);
      assert.equal(records[0]?.fields?.requestId, 'req-1');
    });
  });
});
