import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeployedAzure } from './armEvaluator';
import { deployedAppSettings } from './templateAppSettings';

const AZURE: DeployedAzure = {
  subscription: { subscriptionId: 'sub', tenantId: 'tenant' },
  resourceGroup: { name: 'rg', location: 'westeurope' },
  references: { 'Microsoft.Insights/components': { ConnectionString: 'InstrumentationKey=rehearsal' } },
  lists: {},
  now: new Date('2026-01-01T00:00:00Z'),
};
const VAULT = new Map([['bot-kv/audit-hash-key', 'resolved-audit-key']]);

/** A template with one web app whose app settings are `settings`, and one string parameter `name`. */
function template(settings: Array<{ name: string; value: unknown }>, parameters: Record<string, unknown> = {}) {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { name: { type: 'string' }, secret: { type: 'securestring', defaultValue: '' }, ...parameters },
    resources: [
      {
        type: 'Microsoft.Web/sites',
        apiVersion: '2022-09-01',
        name: "[parameters('name')]",
        properties: { siteConfig: { appSettings: settings } },
      },
    ],
  };
}

describe('the rehearsal reads app settings from a template as Azure would', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'template-settings-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function settingsOf(body: unknown, parameters: Record<string, unknown>, given: Record<string, unknown> = {}) {
    const templateFile = path.join(dir, 'template.json');
    const parametersFile = path.join(dir, 'parameters.json');
    await writeFile(templateFile, JSON.stringify(body));
    await writeFile(parametersFile, JSON.stringify({ $schema: '', contentVersion: '1.0.0.0', parameters: given }));
    return deployedAppSettings({ template: templateFile, parametersFile, parameters, azure: AZURE, keyVault: VAULT });
  }

  it('evaluates expressions, references and Key Vault references in either syntax', async () => {
    const settings = await settingsOf(
      template([
        { name: 'A', value: "[concat(parameters('name'), '-', toLower('X'))]" },
        { name: 'B', value: "[reference(resourceId('Microsoft.Insights/components', 'i'), '2020-02-02').ConnectionString]" },
        { name: 'C', value: '@Microsoft.KeyVault(SecretUri=https://bot-kv.vault.azure.net/secrets/audit-hash-key/)' },
        { name: 'D', value: '@Microsoft.KeyVault(VaultName=bot-kv;SecretName=audit-hash-key)' },
        { name: 'E', value: "[if(equals(parameters('name'), 'bot'), 'yes', reference('not-deployed').x)]" },
      ]),
      { name: 'bot' },
    );
    assert.deepEqual(settings, {
      A: 'bot-x',
      B: 'InstrumentationKey=rehearsal',
      C: 'resolved-audit-key',
      D: 'resolved-audit-key',
      E: 'yes',
    });
  });

  it('fails loudly, naming the setting, on a Key Vault reference the stand-in vault does not hold', async () => {
    await assert.rejects(
      settingsOf(template([{ name: 'DIRECT_LINE_SECRET', value: '@Microsoft.KeyVault(VaultName=bot-kv;SecretName=direct-line)' }]), {
        name: 'bot',
      }),
      /app setting DIRECT_LINE_SECRET references bot-kv\/direct-line, which the rehearsal's Key Vault does not hold/,
    );
  });

  it("resolves a parameters file's Key Vault reference, and fails on an unknown one", async () => {
    const body = template([{ name: 'AUDIT_HASH_KEY', value: "[parameters('secret')]" }]);
    const reference = (secretName: string) => ({
      reference: { keyVault: { id: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/bot-kv' }, secretName },
    });
    assert.deepEqual(await settingsOf(body, { name: 'bot' }, { secret: reference('audit-hash-key') }), {
      AUDIT_HASH_KEY: 'resolved-audit-key',
    });
    await assert.rejects(settingsOf(body, { name: 'bot' }, { secret: reference('other') }), /references Key Vault secret bot-kv\/other/);
  });

  it('fails on a template function it does not implement, a missing required parameter, and a value not allowed', async () => {
    await assert.rejects(
      settingsOf(template([{ name: 'A', value: "[base64('x')]" }]), { name: 'bot' }),
      /does not implement the template function base64\(\)/,
    );
    await assert.rejects(settingsOf(template([]), {}), /no value for the required parameter "name"/);
    await assert.rejects(
      settingsOf(template([], { mode: { type: 'string', allowedValues: ['portal'], defaultValue: 'portal' } }), {
        name: 'bot',
        mode: 'graph',
      }),
      /parameter "mode" is "graph", not one of \["portal"\]/,
    );
  });
});
