import { strict as assert } from 'node:assert';
import { randomBytes, scryptSync } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { hashPassword, SANDBOX_SCRYPT_COST, verifyPassword } from '../directory';
import { LOCKOUT_DURATION_MS, LOCKOUT_THRESHOLD } from '../signInLockout';
import { openPortal } from './portalClient';
import { appToken, bearer, createChannel, DEMO, getSignInLink, startTestSandbox, submitSignIn, type TestSandbox } from './helpers';

describe('sandbox sign-in hardening', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(() => t.stop());

  async function tryPassword(upn: string, password: string) {
    return submitSignIn(await getSignInLink(t.sandbox, createChannel()), upn, password);
  }

  describe('throttling like Entra smart lockout', () => {
    it(`locks an account after ${LOCKOUT_THRESHOLD} wrong passwords in a minute, refusing even the right one, until the lockout ends`, async () => {
      for (let attempt = 1; attempt < LOCKOUT_THRESHOLD; attempt++)
        assert.match((await tryPassword(DEMO.ada.upn, 'wrong')).html, /password is incorrect/);
      const locked = await tryPassword(DEMO.ada.upn, 'wrong');
      assert.match(locked.html, /role="alert"[^>]*>Your account is temporarily locked/);
      const right = await tryPassword(DEMO.ada.upn, DEMO.password);
      assert.equal(right.code, undefined, 'no code while locked out');
      assert.match(right.html, /temporarily locked/);

      t.time.advance(LOCKOUT_DURATION_MS + 1000);
      assert.match((await tryPassword(DEMO.ada.upn, DEMO.password)).code ?? '', /^\d{6}$/);
    });

    it('counts per account: another account of the same organization still signs in', async () => {
      for (let attempt = 0; attempt < LOCKOUT_THRESHOLD; attempt++) await tryPassword(DEMO.ada.upn, 'wrong');
      assert.match((await tryPassword(DEMO.grace.upn, DEMO.password)).code ?? '', /^\d{6}$/);
    });

    it("counts the \"My data requests\" page's failures with the sign-in page's, as one account's", async () => {
      const portal = await openPortal(t.sandbox.portalUrl);
      for (let attempt = 1; attempt < LOCKOUT_THRESHOLD; attempt++)
        assert.match(await portal.signIn(DEMO.ada.upn, 'wrong'), /password is incorrect/);
      assert.match((await tryPassword(DEMO.ada.upn, 'wrong')).html, /temporarily locked/);
      assert.match(await portal.signIn(DEMO.ada.upn, DEMO.password), /temporarily locked/, 'the portal refuses the right password too');
    });

    it('forgets failures older than a minute', async () => {
      for (let attempt = 1; attempt < LOCKOUT_THRESHOLD; attempt++) await tryPassword(DEMO.ada.upn, 'wrong');
      t.time.advance(61_000);
      assert.match((await tryPassword(DEMO.ada.upn, 'wrong')).html, /password is incorrect/, 'the earlier failures no longer count');
    });
  });

  describe('framing', () => {
    it('forbids every site to frame the sign-in page, its error states and the "My data requests" page', async () => {
      const link = await getSignInLink(t.sandbox, createChannel());
      for (const response of [
        await fetch(link),
        await fetch(`${t.sandbox.loginBaseUrl}/signin?state=unknown`),
        await fetch(t.sandbox.portalUrl),
      ]) {
        assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
        assert.equal(response.headers.get('x-frame-options'), 'DENY');
      }
    });
  });

  describe('passwords', () => {
    it(`hashes with a cheap scrypt cost (N=${SANDBOX_SCRYPT_COST}) and still verifies hashes made with Node's default cost`, async () => {
      const stored = await hashPassword('Passw0rd!');
      assert.equal(stored.split('$')[3], String(SANDBOX_SCRYPT_COST));
      assert.equal(await verifyPassword('Passw0rd!', stored), true);
      assert.equal(await verifyPassword('wrong', stored), false);
      const salt = randomBytes(16);
      const legacy = `scrypt$${salt.toString('base64')}$${scryptSync('Passw0rd!', salt, 32).toString('base64')}`;
      assert.equal(await verifyPassword('Passw0rd!', legacy), true, 'a hash from before, made with N=16384');
      assert.equal(await verifyPassword('wrong', legacy), false);
    });
  });

  describe('a purged account', () => {
    async function sandboxFiles(): Promise<string> {
      const names = await readdir(t.dataDir);
      // The snapshot and the log of changes since (sandbox/stateJournal.ts).
      const texts = await Promise.all(
        names.filter((n) => n.endsWith('.json') || n.endsWith('.log')).map((n) => readFile(path.join(t.dataDir, n), 'utf8')),
      );
      return texts.join('\n').toLowerCase();
    }

    it("leaves only a keyed hash of its sign-in name in the sandbox's files, and the page still says it was closed", async () => {
      const app = bearer(await appToken(t.sandbox, DEMO.graphRights.id));
      assert.equal(
        (await fetch(`${t.sandbox.graphBaseUrl}/v1.0/users/${DEMO.katherine.id}`, { method: 'DELETE', headers: app })).status,
        204,
      );
      assert.equal(
        (await fetch(`${t.sandbox.graphBaseUrl}/v1.0/directory/deletedItems/${DEMO.katherine.id}`, { method: 'DELETE', headers: app }))
          .status,
        204,
      );
      await t.restart();
      const files = await sandboxFiles();
      assert.ok(!files.includes(DEMO.katherine.upn.toLowerCase()), 'the UPN is nowhere in the files');
      assert.ok(!files.includes(DEMO.katherine.displayName.toLowerCase()), 'nor the display name');
      assert.match((await tryPassword(DEMO.katherine.upn.toUpperCase(), DEMO.password)).html, /This account has been closed/);
      assert.match((await tryPassword('nobody@fabrikamvolunteers.example', DEMO.password)).html, /no account with that name/);
    });

    it('turns the plain-text names an earlier version kept into keyed hashes on load', async () => {
      const file = path.join(t.dataDir, 'state.json');
      await t.sandbox.stop();
      const state = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      state.closedUpns = { 'gone@fabrikamvolunteers.example': '2025-01-01T00:00:00.000Z' };
      await writeFile(file, JSON.stringify(state));
      await t.restart();
      assert.ok(!(await sandboxFiles()).includes('gone@fabrikamvolunteers.example'));
      assert.match((await tryPassword('gone@fabrikamvolunteers.example', DEMO.password)).html, /This account has been closed/);
    });
  });
});
