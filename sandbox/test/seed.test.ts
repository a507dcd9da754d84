import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { isSandboxError } from '../errors';
import { DEMO_SEED_PATH, loadSeedFile, startSandbox, validateSeed } from '../index';
import { createTempDir } from './helpers';

const tenant = { id: 't1', displayName: 'Tenant One', domains: ['one.example'], unmanaged: true };
const user = { id: 'u1', upn: 'a@one.example', displayName: 'A', password: 'p', tenantId: 't1' };

describe('sandbox seed', () => {
  describe('validation', () => {
    it('accepts the built-in demo seed', async () => {
      const seed = await loadSeedFile(DEMO_SEED_PATH);
      assert.deepEqual(validateSeed(seed), []);
      // Fabrikam Volunteers as Azure has an unmanaged tenant (no service principal for the bot's app), and the one
      // clearly named demo tenant where the app holds the rights (CLOSURE=graph).
      assert.deepEqual(
        seed.tenants.filter((t) => t.unmanaged).map((t) => [t.displayName, t.appServicePrincipal]),
        [
          ['Fabrikam Volunteers', false],
          ['Contoso Graph-rights demo', true],
        ],
      );
    });

    it('reports duplicate user ids and UPNs, one message each', () => {
      const problems = validateSeed({ tenants: [tenant], users: [user, { ...user }, { ...user, id: 'u2', upn: 'A@one.example' }] });
      assert.deepEqual(problems, [
        'users[1].id "u1" is used by more than one user',
        'users[1].upn "a@one.example" is used by more than one user',
        'users[2].upn "A@one.example" is used by more than one user',
      ]);
    });

    it('reports a user whose tenant does not exist', () => {
      assert.deepEqual(validateSeed({ tenants: [tenant], users: [{ ...user, tenantId: 'nope' }] }), [
        'users[0].tenantId "nope" is not a tenant of this seed',
      ]);
    });

    it("reports a UPN whose domain is not one of its tenant's domains", () => {
      const problems = validateSeed({ tenants: [tenant], users: [{ ...user, upn: 'a@other.example' }] });
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', /users\[0\]\.upn "a@other\.example": domain "other\.example" is not one of tenant "t1"'s domains/);
    });

    it('accepts any UPN domain in a tenant without domains', () => {
      assert.deepEqual(validateSeed({ tenants: [{ ...tenant, domains: [] }], users: [{ ...user, upn: 'a@anything.example' }] }), []);
    });

    it('reports duplicate tenant ids and missing fields', () => {
      const problems = validateSeed({ tenants: [tenant, { ...tenant, displayName: '' }], users: [{ id: 'u9' }] });
      assert.ok(problems.includes('tenants[1].displayName must be a non-empty string'));
      assert.ok(problems.includes('tenants[1].id "t1" is used by more than one tenant'));
      assert.ok(problems.includes('users[0].password must be a non-empty string'));
    });
  });

  describe('loading a seed file', () => {
    let temp: Awaited<ReturnType<typeof createTempDir>>;
    beforeEach(async () => {
      temp = await createTempDir();
    });
    afterEach(() => temp.remove());

    it('names the file and the problem when the JSON is broken', async () => {
      const file = path.join(temp.dir, 'seed.json');
      await writeFile(file, '{ "tenants": [');
      await assert.rejects(
        loadSeedFile(file),
        (error: unknown) => isSandboxError(error, 'CONFIG_INVALID') && error.message.includes(file) && /not valid JSON/.test(error.message),
      );
    });

    it('names the file and every problem when the seed is invalid', async () => {
      const file = path.join(temp.dir, 'seed.json');
      await writeFile(file, JSON.stringify({ tenants: [tenant], users: [{ ...user, tenantId: 'nope' }] }));
      await assert.rejects(
        loadSeedFile(file),
        (error: unknown) =>
          isSandboxError(error, 'CONFIG_INVALID') && error.message.includes(file) && error.message.includes('"nope" is not a tenant'),
      );
    });

    it('names the file when it cannot be read', async () => {
      const file = path.join(temp.dir, 'missing.json');
      await assert.rejects(loadSeedFile(file), (error: unknown) => isSandboxError(error, 'CONFIG_INVALID') && error.message.includes(file));
    });

    it('refuses to start a sandbox with an invalid seed', async () => {
      const seed = { tenants: [tenant], users: [{ ...user, tenantId: 'nope' }] };
      await assert.rejects(startSandbox({ port: 0, dataDir: temp.dir, exportDelayMs: 0, seed }), (error: unknown) =>
        isSandboxError(error, 'CONFIG_INVALID'),
      );
    });

    it('starts a sandbox from a custom seed', async () => {
      const sandbox = await startSandbox({ port: 0, dataDir: temp.dir, exportDelayMs: 0, seed: { tenants: [tenant], users: [user] } });
      try {
        const realm = (await (await fetch(`${sandbox.loginBaseUrl}/common/userrealm/a@one.example?api-version=2.1`)).json()) as {
          FederationBrandName: string;
        };
        assert.equal(realm.FederationBrandName, 'Tenant One');
      } finally {
        await sandbox.stop();
      }
    });
  });
});
