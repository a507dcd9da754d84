import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const AUDIT_KEY = Buffer.alloc(32, 3).toString('base64');

/** `npm start`'s command with only `env` (and PATH), its data in `dataDir`: resolves with its exit code and output once it ends. */
function start(env: Record<string, string>, dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'index.ts')],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('the bot process refuses to start on settings it cannot run', function () {
  this.timeout(90_000);
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'start-refusal-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('exits 1 with one line naming MicrosoftAppId for DIRECTORY=graph without a bot identity, before listening', async () => {
    const result = await start({ PORT: '0', DIRECTORY: 'graph', AUDIT_HASH_KEY: AUDIT_KEY }, cwd);
    assert.equal(result.code, 1, result.stderr);
    const problems = result.stderr.split('\n').filter((line) => line.startsWith('  - '));
    assert.equal(problems.length, 1, result.stderr);
    assert.match(problems[0] ?? '', /^ {2}- MicrosoftAppId is required with DIRECTORY=graph/);
    assert.doesNotMatch(result.stdout, /connect the Bot Framework Emulator/);
    assert.deepEqual(await readdir(cwd), [], 'nothing written: it stopped before storage was touched');
  });

  it('exits 1 naming the setting that holds an unresolved Key Vault reference, and prints no other problem', async () => {
    const result = await start(
      {
        PORT: '0',
        DIRECTORY: 'graph',
        MicrosoftAppType: 'UserAssignedMSI',
        MicrosoftAppId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
        MicrosoftAppTenantId: '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
        AUDIT_HASH_KEY: '@Microsoft.KeyVault(SecretUri=https://bot-kv.vault.azure.net/secrets/audit-hash-key/)',
      },
      cwd,
    );
    assert.equal(result.code, 1, result.stderr);
    const problems = result.stderr.split('\n').filter((line) => line.startsWith('  - '));
    assert.deepEqual(
      problems.map((line) => line.slice(4).split(' ')[0]),
      ['AUDIT_HASH_KEY'],
      result.stderr,
    );
  });

  it('exits 1 when PORT equals SANDBOX_PORT, instead of failing on the second listen', async () => {
    const result = await start({ PORT: '39179', SANDBOX_PORT: '39179' }, cwd);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /PORT and SANDBOX_PORT are both 39179/);
  });
});
