import assert from 'node:assert/strict';
import { isAppError, type ErrorCode } from '../../services/errors';
import { GraphAccountDirectory } from '../../adapters/graph/graphAccountDirectory';
import { DEMO, signIn, startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';
import { createTestHttp, rejectionOf } from './support/adapterHarness';

const ME = /^\/graph\/v1\.0\/me$/;
const ORGANIZATION = /^\/graph\/v1\.0\/organization$/;

describe('GraphAccountDirectory against the sandbox', () => {
  let t: TestSandbox;
  let adaToken: string;
  before(async () => {
    t = await startTestSandbox();
    adaToken = await signIn(t.sandbox, DEMO.ada.upn);
  });
  after(async () => {
    await t.stop();
  });
  afterEach(() => t.sandbox.faults.clear());

  function createDirectory() {
    const { http, logger, records } = createTestHttp();
    return { directory: new GraphAccountDirectory({ http, graphBaseUrl: t.sandbox.graphBaseUrl, logger }), records };
  }

  async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
    const error = await rejectionOf(promise);
    assert.ok(isAppError(error, code), `expected ${code}, got ${String(error)}`);
  }

  describe('whoAmI', () => {
    it('returns the identity the token proves: object id, tenant id, address and names', async () => {
      const { directory } = createDirectory();
      assert.deepEqual(await directory.whoAmI(adaToken), {
        objectId: DEMO.ada.id,
        tenantId: DEMO.fabrikam.id,
        upn: DEMO.ada.upn,
        displayName: DEMO.ada.displayName,
        organizationName: DEMO.fabrikam.name,
      });
    });

    it('never logs the token', async () => {
      const { directory, records } = createDirectory();
      await directory.whoAmI(adaToken);
      assert.ok(records.length > 0);
      assert.ok(!JSON.stringify(records).includes(adaToken));
    });
  });

  describe('when the token is not accepted', () => {
    it('reports SIGN_IN_REJECTED', async () => {
      const { directory } = createDirectory();
      await expectCode(directory.whoAmI('not-a-token-the-sandbox-issued'), 'SIGN_IN_REJECTED');
    });
  });

  describe('when Graph fails', () => {
    it('rides out one 503 of /organization', async () => {
      const { directory } = createDirectory();
      t.sandbox.faults.inject({ path: ORGANIZATION, respond: { status: 503 } });
      assert.equal((await directory.whoAmI(adaToken)).tenantId, DEMO.fabrikam.id);
    });

    it('reports DIRECTORY_UNAVAILABLE when /me stays throttled', async () => {
      const { directory } = createDirectory();
      t.sandbox.faults.inject({
        path: ME,
        times: 3,
        respond: { status: 429, body: { error: { code: 'TooManyRequests', message: 'slow down' } } },
      });
      await expectCode(directory.whoAmI(adaToken), 'DIRECTORY_UNAVAILABLE');
    });

    it('reports DIRECTORY_UNAVAILABLE, not a sign-in problem, for a 403', async () => {
      const { directory } = createDirectory();
      t.sandbox.faults.inject({
        path: ME,
        respond: { status: 403, body: { error: { code: 'Authorization_RequestDenied', message: 'no' } } },
      });
      await expectCode(directory.whoAmI(adaToken), 'DIRECTORY_UNAVAILABLE');
    });
  });

  describe('when the answer is not understood', () => {
    const answers: Array<[string, RegExp, unknown]> = [
      ['a user id that is not a GUID', ME, { id: '42', userPrincipalName: DEMO.ada.upn, displayName: 'Ada' }],
      ['a user principal name without @', ME, { id: DEMO.ada.id, userPrincipalName: 'ada', displayName: 'Ada' }],
      ['no organization', ORGANIZATION, { value: [] }],
      [
        'two organizations',
        ORGANIZATION,
        {
          value: [
            { id: DEMO.fabrikam.id, displayName: 'A' },
            { id: DEMO.contoso.id, displayName: 'B' },
          ],
        },
      ],
      ['an organization id that is not a GUID', ORGANIZATION, { value: [{ id: 'fabrikam', displayName: 'A' }] }],
      ['malformed JSON', ME, '{"id": "a1d4'],
    ];
    for (const [what, path, body] of answers) {
      it(`reports DIRECTORY_UNAVAILABLE for ${what}`, async () => {
        const { directory } = createDirectory();
        t.sandbox.faults.inject({
          path,
          respond: {
            status: 200,
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          },
        });
        await expectCode(directory.whoAmI(adaToken), 'DIRECTORY_UNAVAILABLE');
      });
    }
  });
});
