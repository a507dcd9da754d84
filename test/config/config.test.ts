import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, summarizeConfig } from '../../config/config';
import { SETTINGS } from '../../config/settings';

const GUID_A = '11111111-2222-3333-4444-555555555555';
const GUID_B = '66666666-7777-8888-9999-000000000000';
/** A bot identity as the ARM templates' default (UserAssignedMSI) sets it. */
const MSI_BOT = { MicrosoftAppType: 'UserAssignedMSI', MicrosoftAppId: GUID_A, MicrosoftAppTenantId: GUID_B };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  describe('with no settings', () => {
    it('runs the sandbox with no bot auth on port 3978, file storage and the demo connection', () => {
      const config = loadConfig({});
      assert.equal(config.port, 3978);
      assert.deepEqual(config.bot, { appType: 'None' });
      assert.deepEqual(config.directory, { kind: 'sandbox' });
      assert.deepEqual(config.storage, { kind: 'file', dir: '.data' });
      assert.equal(config.connectionName, 'GraphConnection');
      assert.equal(config.closure.confirmationTtlSeconds, 600);
    });
  });

  describe('bot identity', () => {
    it('accepts SingleTenant with an app id, tenant and password', () => {
      const config = loadConfig({
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppId: GUID_A,
        MicrosoftAppTenantId: GUID_B,
        MicrosoftAppPassword: 'pw',
      });
      assert.equal(config.bot.appType, 'SingleTenant');
    });

    it('refuses MultiTenant with an explanation', () => {
      const problems = problemsOf({ MicrosoftAppType: 'MultiTenant', MicrosoftAppId: GUID_A });
      assert.match(problems.join('\n'), /MultiTenant is not supported/);
    });

    it('names every missing variable of UserAssignedMSI on its own line', () => {
      const problems = problemsOf({ MicrosoftAppType: 'UserAssignedMSI' });
      assert.equal(problems.length, 2);
      assert.match(problems[0], /^MicrosoftAppId is required/);
      assert.match(problems[1], /^MicrosoftAppTenantId is required/);
    });

    it('rejects an app id that is not a GUID', () => {
      assert.match(
        problemsOf({ MicrosoftAppType: 'SingleTenant', MicrosoftAppId: 'bot', MicrosoftAppTenantId: GUID_B, MicrosoftAppPassword: 'x' })[0],
        /MicrosoftAppId must be a GUID/,
      );
    });
  });

  describe('values out of range', () => {
    it('names the variable and the bad value', () => {
      assert.deepEqual(problemsOf({ PORT: 'eighty' }), ['PORT must be a whole number from 0 to 65535; got "eighty".']);
      assert.match(problemsOf({ STORAGE: 'disk' })[0], /^STORAGE must be one of "memory", "file", "blob"; got "disk"\./);
    });

    it('requires a blob location for STORAGE=blob', () => {
      assert.match(problemsOf({ STORAGE: 'blob' })[0], /STORAGE_BLOB_CONNECTION_STRING or STORAGE_BLOB_ACCOUNT_URL/);
    });

    it('takes the timers and the lease in seconds, fractions down to 0.1 s included (tests), and nothing shorter', () => {
      const config = loadConfig({
        RECONCILE_INTERVAL_SECONDS: '0.25',
        CLOSURE_LEASE_SECONDS: '0.5',
        EXPORT_POLL_INTERVAL_SECONDS: '0.1',
        HANDOFF_CHECK_INTERVAL_SECONDS: '2',
      });
      assert.deepEqual(
        [
          config.closure.reconcileIntervalSeconds,
          config.closure.leaseSeconds,
          config.export.pollIntervalSeconds,
          config.closure.handOffCheckIntervalSeconds,
        ],
        [0.25, 0.5, 0.1, 2],
      );
      assert.deepEqual(
        problemsOf({ RECONCILE_INTERVAL_SECONDS: '0.05', EXPORT_POLL_INTERVAL_SECONDS: '1e3', CLOSURE_LEASE_SECONDS: '-1' }),
        [
          'CLOSURE_LEASE_SECONDS must be a number of seconds from 0.1 to 3600; got "-1".',
          'RECONCILE_INTERVAL_SECONDS must be a number of seconds from 0.1 to 86400; got "0.05".',
          'EXPORT_POLL_INTERVAL_SECONDS must be a number of seconds from 0.1 to 86400; got "1e3".',
        ],
      );
    });

    it("keeps the Blob SDK's own retry delay unless STORAGE_BLOB_RETRY_DELAY_MS says otherwise, and refuses 0", () => {
      const blob = { STORAGE: 'blob', STORAGE_BLOB_ACCOUNT_URL: 'https://account.blob.core.windows.net' };
      const delayOf = (env: Record<string, string>) => {
        const { storage } = loadConfig(env);
        return storage.kind === 'blob' ? storage.retryDelayMs : undefined;
      };
      assert.equal(delayOf(blob), 4000);
      assert.equal(delayOf({ ...blob, STORAGE_BLOB_RETRY_DELAY_MS: '100' }), 100);
      assert.deepEqual(problemsOf({ ...blob, STORAGE_BLOB_RETRY_DELAY_MS: '0' }), [
        'STORAGE_BLOB_RETRY_DELAY_MS must be a whole number from 1 to 60000; got "0".',
      ]);
    });

    it('requires the Graph credential, audit key and export container with DIRECTORY=graph', () => {
      const problems = problemsOf({ DIRECTORY: 'graph', CLOSURE: 'graph', GRAPH_CREDENTIAL: 'clientSecret' });
      assert.deepEqual(
        problems.map((p) => p.split(' ')[0]),
        ['GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET', 'AUDIT_HASH_KEY', 'MicrosoftAppId', 'EXPORT_STORAGE_LOCATION'],
      );
    });
  });

  describe('closure mode', () => {
    const AZURE = { DIRECTORY: 'graph', AUDIT_HASH_KEY: Buffer.alloc(32, 1).toString('base64'), ...MSI_BOT };

    it('hands off to the portal by default with DIRECTORY=graph, needing no export container', () => {
      const config = loadConfig(AZURE);
      assert.equal(config.closure.kind, 'portal');
      assert.equal(config.closure.portalUrl, 'https://go.microsoft.com/fwlink/?linkid=873123');
    });

    it('hands off by default in the sandbox too, as Azure must (issue 18)', () => {
      assert.equal(loadConfig({}).closure.kind, 'portal');
      assert.equal(loadConfig({ DIRECTORY: 'sandbox' }).closure.kind, 'portal');
    });

    it('closes through Graph only when asked to (CLOSURE=graph), in either directory', () => {
      assert.equal(
        loadConfig({ ...AZURE, CLOSURE: 'graph', EXPORT_STORAGE_LOCATION: 'https://acct.blob.core.windows.net/exports' }).closure.kind,
        'graph',
      );
      assert.equal(loadConfig({ CLOSURE: 'graph' }).closure.kind, 'graph');
      assert.equal(loadConfig({ CLOSURE: 'portal' }).closure.kind, 'portal');
    });

    it('refuses an unknown mode, naming it', () => {
      assert.match(problemsOf({ CLOSURE: 'delete' })[0] ?? '', /^CLOSURE must be one of "graph", "portal"; got "delete"/);
    });
  });

  describe('refusing to start', () => {
    const AZURE = { DIRECTORY: 'graph', AUDIT_HASH_KEY: Buffer.alloc(32, 1).toString('base64') };

    it('refuses DIRECTORY=graph without a bot identity, in one line naming MicrosoftAppId (Bot Framework auth would be off)', () => {
      assert.deepEqual(
        problemsOf(AZURE).map((p) => p.split(' ')[0]),
        ['MicrosoftAppId'],
      );
      assert.match(problemsOf(AZURE)[0] ?? '', /Bot Framework authentication is off/);
      assert.deepEqual(problemsOf({ ...AZURE, ...MSI_BOT }), []);
    });

    it('leaves the sandbox without a bot identity, as the Emulator needs it', () => {
      assert.deepEqual(problemsOf({}), []);
    });

    it('refuses PORT equal to SANDBOX_PORT when the sandbox is embedded, and only then', () => {
      assert.deepEqual(problemsOf({ PORT: '3979' }), [
        'PORT and SANDBOX_PORT are both 3979: the bot and its embedded sandbox need a port each.',
      ]);
      assert.deepEqual(problemsOf({ PORT: '4000', SANDBOX_PORT: '4000' }).length, 1);
      assert.deepEqual(problemsOf({ PORT: '0', SANDBOX_PORT: '0' }), [], 'two ports chosen by the system');
      assert.deepEqual(problemsOf({ PORT: '3979', SANDBOX_URL: 'http://127.0.0.1:4000' }), [], 'a shared sandbox elsewhere');
      assert.deepEqual(problemsOf({ ...AZURE, ...MSI_BOT, PORT: '3979' }), [], 'no sandbox with DIRECTORY=graph');
    });

    it('refuses a setting that still holds an unresolved Key Vault reference, naming only that setting', () => {
      const reference = '@Microsoft.KeyVault(SecretUri=https://bot-kv.vault.azure.net/secrets/audit-hash-key/)';
      const problems = problemsOf({ ...AZURE, ...MSI_BOT, AUDIT_HASH_KEY: reference });
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', /^AUDIT_HASH_KEY holds an unresolved Key Vault reference/);
    });

    it('finds the reference in any setting, in either syntax and any letter case, and in several settings at once', () => {
      const problems = problemsOf({
        ...MSI_BOT,
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppPassword: '@Microsoft.KeyVault(VaultName=bot-kv;SecretName=bot-app-password)',
        DIRECT_LINE_SECRET: ' @microsoft.keyvault(SecretUri=https://bot-kv.vault.azure.net/secrets/dl/)',
      });
      assert.deepEqual(
        problems.map((p) => p.split(' ')[0]),
        ['MicrosoftAppPassword', 'DIRECT_LINE_SECRET'],
      );
    });

    it('takes a resolved value that merely mentions Key Vault as it is', () => {
      assert.deepEqual(problemsOf({ ...AZURE, ...MSI_BOT, WEBCHAT_ALLOWED_ORIGINS: 'https://example.org/@Microsoft.KeyVault(' }), []);
    });
  });

  describe('endpoints', () => {
    it('takes the Bot Framework token service URL from OAUTH_URL, and leaves it to the SDK when empty', () => {
      assert.equal(loadConfig({ OAUTH_URL: 'https://europe.token.botframework.com/' }).oauthUrl, 'https://europe.token.botframework.com');
      assert.equal(loadConfig({}).oauthUrl, undefined);
      assert.match(problemsOf({ OAUTH_URL: 'token.botframework.com' })[0] ?? '', /^OAUTH_URL must be an http\(s\) URL/);
    });
  });

  describe('summarizeConfig', () => {
    it('never includes a secret value', () => {
      const config = loadConfig({
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppId: GUID_A,
        MicrosoftAppTenantId: GUID_B,
        MicrosoftAppPassword: 'app-password-value',
        STORAGE: 'blob',
        STORAGE_BLOB_CONNECTION_STRING: 'AccountKey=blob-key-value',
        DIRECT_LINE_SECRET: 'direct-line-secret-value',
        EXPORT_STORAGE_LOCATION: 'https://acct.blob.core.windows.net/exports?sig=sas-signature-value',
      });
      const text = JSON.stringify(summarizeConfig(config));
      for (const secret of ['app-password-value', 'blob-key-value', 'direct-line-secret-value', 'sas-signature-value']) {
        assert.ok(!text.includes(secret), `summary leaks ${secret}`);
      }
    });
  });
});

describe('.env.example', () => {
  const lines = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Za-z_]+=/.test(l));
  const documented = new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  it('lists every setting the bot reads with its default, and nothing else', () => {
    assert.deepEqual([...documented.keys()].sort(), SETTINGS.map((s) => s.name).sort());
    for (const setting of SETTINGS) assert.equal(documented.get(setting.name), setting.default ?? '', setting.name);
  });

  it('gives no secret a value', () => {
    for (const setting of SETTINGS.filter((s) => 'secret' in s && s.secret)) assert.equal(documented.get(setting.name), '', setting.name);
  });
});
