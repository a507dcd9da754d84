import assert from 'node:assert/strict';
import { isAppError } from '../../services/errors';
import { UserRealmClient } from '../../adapters/realm/userRealmClient';
import { DEMO, startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';
import { createTestHttp, rejectionOf } from './support/adapterHarness';

const REALM_PATH = /^\/login\/common\/userrealm\//;

describe('UserRealmClient against the sandbox', () => {
  let t: TestSandbox;
  before(async () => {
    t = await startTestSandbox();
  });
  after(async () => {
    await t.stop();
  });
  afterEach(() => t.sandbox.faults.clear());

  function createClient(overrides: Parameters<typeof createTestHttp>[0] = {}) {
    const { http, logger, records, waits } = createTestHttp(overrides);
    return { client: new UserRealmClient({ http, loginBaseUrl: t.sandbox.loginBaseUrl, logger }), records, waits };
  }

  /** "Cannot confirm", marked transient only for a failure that passes (the closer's re-check then asks again later). */
  async function expectUnavailable(promise: Promise<unknown>, expected: { transient: boolean }): Promise<void> {
    const error = await rejectionOf(promise);
    assert.ok(isAppError(error, 'REALM_UNAVAILABLE'), `expected REALM_UNAVAILABLE, got ${String(error)}`);
    assert.equal(error.transient, expected.transient, `transient for ${error.message}`);
  }

  describe('verdicts', () => {
    it('calls a self-service sign-up organization unmanaged, with its brand name', async () => {
      const { client } = createClient();
      assert.deepEqual(await client.lookup(DEMO.ada.upn), { kind: 'unmanaged', organizationName: DEMO.fabrikam.name });
    });

    it('calls an organization with an administrator managed, with its name', async () => {
      const { client } = createClient();
      assert.deepEqual(await client.lookup(DEMO.megan.upn), { kind: 'managed', organizationName: DEMO.contoso.name });
    });

    it('calls an unknown domain not a work or school account', async () => {
      const { client } = createClient();
      assert.deepEqual(await client.lookup(DEMO.sam.upn), { kind: 'notWorkOrSchool' });
    });

    it('logs the verdict but never the address', async () => {
      const { client, records } = createClient();
      await client.lookup(DEMO.ada.upn);
      assert.ok(records.some((record) => record.fields?.verdict === 'unmanaged'));
      assert.doesNotMatch(JSON.stringify(records), /ada(@|%40)|fabrikamvolunteers/);
    });
  });

  describe('when the realm endpoint fails', () => {
    it('retries a single 503 and still answers', async () => {
      const { client, waits } = createClient();
      t.sandbox.faults.inject({ path: REALM_PATH, respond: { status: 503 } });
      assert.equal((await client.lookup(DEMO.ada.upn)).kind, 'unmanaged');
      assert.equal(waits.length, 1);
    });

    for (const status of [429, 502, 503, 504]) {
      it(`cannot confirm for now when it stays unavailable (${status}), a failure that passes`, async () => {
        const { client } = createClient({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
        t.sandbox.faults.inject({ path: REALM_PATH, times: 2, respond: { status } });
        await expectUnavailable(client.lookup(DEMO.ada.upn), { transient: true });
      });
    }

    it('cannot confirm for now when it never answers', async () => {
      const { client } = createClient({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
      t.sandbox.faults.inject({ path: REALM_PATH, times: 2, respond: 'hang' });
      await expectUnavailable(client.lookup(DEMO.ada.upn), { transient: true });
    });

    it('cannot confirm for now when the connection is reset every time', async () => {
      const { client } = createClient();
      t.sandbox.faults.inject({ path: REALM_PATH, times: 3, respond: 'reset' });
      await expectUnavailable(client.lookup(DEMO.ada.upn), { transient: true });
    });
  });

  describe('when the answer is not understood', () => {
    const answers: Array<[string, unknown]> = [
      ['malformed JSON', '{"NameSpaceType": "Managed", "IsViral": tr'],
      ['an array', [{ NameSpaceType: 'Managed', IsViral: true }]],
      ['an unknown namespace type', { NameSpaceType: 'Hybrid', DomainName: 'x.example' }],
      ['IsViral as text', { NameSpaceType: 'Managed', IsViral: 'true' }],
      ['IsViral on an unknown namespace', { NameSpaceType: 'Unknown', IsViral: true }],
      ['an HTML page', '<html><body>Sign in</body></html>'],
    ];
    for (const [what, body] of answers) {
      it(`cannot confirm from ${what}`, async () => {
        const { client } = createClient();
        t.sandbox.faults.inject({
          path: REALM_PATH,
          respond: {
            status: 200,
            headers: { 'content-type': typeof body === 'string' && body.startsWith('<') ? 'text/html' : 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          },
        });
        await expectUnavailable(client.lookup(DEMO.ada.upn), { transient: false });
      });
    }

    it('cannot confirm from a 400', async () => {
      const { client } = createClient();
      t.sandbox.faults.inject({ path: REALM_PATH, respond: { status: 400, body: { error: 'invalid_request' } } });
      await expectUnavailable(client.lookup(DEMO.ada.upn), { transient: false });
    });
  });
});
