import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AuditEventType } from '../../services/auditTrail';
import {
  type ArmResource,
  type ArmTemplate,
  DEPLOYMENTS,
  ROOT,
  allResources,
  innerDeployments,
  readJson,
  relative,
  webApps,
} from './armTemplate';

/** Built-in role ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const KEY_VAULT_SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
/** Hosts per region: https://learn.microsoft.com/azure/bot-service/ref-oauth-redirect-urls and the Direct Line 3.0 reference. */
const REGION_HOSTS = {
  global: { oauthUrl: '', directLineBaseUrl: 'https://directline.botframework.com' },
  europe: { oauthUrl: 'https://europe.token.botframework.com', directLineBaseUrl: 'https://europe.directline.botframework.com' },
  india: { oauthUrl: 'https://india.token.botframework.com', directLineBaseUrl: 'https://india.directline.botframework.com' },
};
/** The two forms App Service documents (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references). */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\((SecretUri=.+|VaultName=[^;]+;SecretName=[^;)]+)\)$/;

function resourceTemplate(template: ArmTemplate): ArmTemplate {
  return innerDeployments(template)[0]?.template ?? template;
}

/** A setting's value with `variables('x')` replaced by x's literal value and `concat` of literals evaluated. */
function evaluateLiterals(value: string, variables: Record<string, unknown>, parameters: Record<string, string>): string {
  const inner = value.replace(/^\[|\]$/g, '');
  const concat = /^concat\((.*)\)$/.exec(inner);
  const parts = concat ? (concat[1] ?? '').split(/,\s*/) : [inner];
  return parts
    .map((part) => {
      const variable = /^variables\('([^']+)'\)$/.exec(part);
      if (variable) return evaluateLiterals(String(variables[variable[1] ?? '']), variables, parameters);
      const parameter = /^parameters\('([^']+)'\)$/.exec(part);
      if (parameter) return parameters[parameter[1] ?? ''] ?? `<${parameter[1]}>`;
      return part.replace(/^'|'$/g, '');
    })
    .join('');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

describe('operators: secrets, audit storage, regions and monitoring in the templates', () => {
  const code = [
    ...['services', 'adapters', 'bot', 'dialogs', 'conversation'].flatMap((dir) => sourceFiles(path.join(ROOT, dir))),
    path.join(ROOT, 'index.ts'),
  ]
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');

  for (const deployment of DEPLOYMENTS) {
    const template = readJson<ArmTemplate>(deployment.template);
    const inner = resourceTemplate(template);
    const variables = inner.variables ?? {};
    const resources = allResources(template);
    const ofType = (type: string): ArmResource[] => resources.filter((r) => r.type === type);
    const settings = new Map(webApps(template)[0]?.appSettings.map((s) => [s.name, String(s.value)]));

    describe(relative(deployment.template), () => {
      it('keeps secrets in a Key Vault that templates can use, with RBAC, soft delete and purge protection', () => {
        const [vault] = ofType('Microsoft.KeyVault/vaults');
        assert.ok(vault, 'a Key Vault');
        assert.equal(vault.properties?.enabledForTemplateDeployment, true);
        assert.equal(vault.properties?.enableRbacAuthorization, true);
        assert.equal(vault.properties?.enableSoftDelete, true);
        assert.equal(vault.properties?.enablePurgeProtection, true);
      });

      it('lets the user-assigned identity read the secrets (Key Vault Secrets User on the vault) and resolves references with it', () => {
        assert.equal(variables.keyVaultSecretsUserRoleId, KEY_VAULT_SECRETS_USER);
        const assignment = ofType('Microsoft.Authorization/roleAssignments').find((r) =>
          String(r.scope).includes('Microsoft.KeyVault/vaults'),
        );
        assert.ok(assignment, 'a role assignment on the vault');
        const properties = assignment.properties as { roleDefinitionId: string; principalId: string };
        assert.match(properties.roleDefinitionId, /variables\('keyVaultSecretsUserRoleId'\)/);
        assert.match(properties.principalId, /reference\(variables\('identityId'\).*\.principalId/);
        const [site] = ofType('Microsoft.Web/sites');
        assert.equal(site?.properties?.keyVaultReferenceIdentity, "[variables('identityId')]");
        const dependsOn = (site?.dependsOn ?? []) as string[];
        assert.ok(
          dependsOn.some((d) => d.includes('roleAssignments') && d.includes('keyVaultSecretsUserRoleId')),
          'site waits for the role',
        );
      });

      it('sets every secret app setting as a Key Vault reference in a documented form, to a secret the template writes', () => {
        const secretNames = ofType('Microsoft.KeyVault/vaults/secrets').map((s) =>
          evaluateLiterals(s.name, variables, { keyVaultName: 'kv' }),
        );
        for (const name of ['AUDIT_HASH_KEY', 'DIRECT_LINE_SECRET']) {
          const reference = evaluateLiterals(settings.get(name) ?? '', variables, { keyVaultName: 'kv' });
          assert.match(reference, KEY_VAULT_REFERENCE, name);
          const secret = /SecretName=([^;)]+)/.exec(reference)?.[1];
          assert.ok(secretNames.includes(`kv/${secret}`), `${name}: the template writes secret "${secret}"`);
        }
        assert.equal(settings.get('EXPORT_STORAGE_LOCATION'), "[if(variables('isGraph'), variables('exportLocationReference'), '')]");
        assert.match(evaluateLiterals(String(variables.exportLocationReference), variables, { keyVaultName: 'kv' }), KEY_VAULT_REFERENCE);
        assert.match(settings.get('MicrosoftAppPassword') ?? '', /@Microsoft\.KeyVault\(SecretUri=/);
      });

      it('issues no SAS and turns shared-key access off in portal mode; the export SAS (graph mode) lives in Key Vault with its expiry', () => {
        const [account] = ofType('Microsoft.Storage/storageAccounts');
        assert.equal(account?.properties?.allowSharedKeyAccess, "[variables('isGraph')]");
        assert.equal(variables.isGraph, "[equals(parameters('closureMode'), 'graph')]");
        const withSas = JSON.stringify(inner.resources).match(/[^"]*listServiceSas[^"]*/g) ?? [];
        assert.ok(withSas.length > 0);
        for (const expression of withSas)
          assert.match(expression, /^\[if\(variables\('isGraph'\), /, 'every SAS is issued only in graph mode');
        const exportSecret = ofType('Microsoft.KeyVault/vaults/secrets').find((s) => s.name.includes('exportLocationSecretName'));
        assert.equal(exportSecret?.condition, "[variables('isGraph')]");
        assert.equal((exportSecret?.properties?.attributes as { exp?: string }).exp, "[dateTimeToEpoch(parameters('exportSasExpiry'))]");
      });

      it('keeps the audit trail in its own container with versioning, soft delete, time-based immutability and a matching lifecycle rule', () => {
        const [blobService] = ofType('Microsoft.Storage/storageAccounts/blobServices');
        assert.equal(blobService?.properties?.isVersioningEnabled, true);
        assert.equal((blobService?.properties?.deleteRetentionPolicy as { enabled: boolean }).enabled, true);
        assert.equal((blobService?.properties?.containerDeleteRetentionPolicy as { enabled: boolean }).enabled, true);
        assert.notEqual(variables.auditContainerName, variables.stateContainerName);
        assert.ok(
          ofType('Microsoft.Storage/storageAccounts/blobServices/containers').some((c) => c.name === "[variables('auditContainerPath')]"),
        );
        const [policy] = ofType('Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies');
        assert.equal(policy?.name, "[concat(variables('auditContainerPath'), '/default')]");
        assert.equal(policy?.properties?.immutabilityPeriodSinceCreationInDays, "[parameters('auditRetentionDays')]");
        assert.equal(policy?.properties?.allowProtectedAppendWrites, true, 'the bot appends to its audit blobs');
        const [lifecycle] = ofType('Microsoft.Storage/storageAccounts/managementPolicies');
        interface LifecycleRule {
          definition: {
            filters: { prefixMatch: string[]; blobTypes: string[] };
            actions: { baseBlob?: { delete: { daysAfterModificationGreaterThan: string } } };
          };
        }
        const rules = (lifecycle?.properties?.policy as { rules: LifecycleRule[] }).rules;
        const auditRule = rules.find((r) => r.definition.actions.baseBlob);
        assert.deepEqual(auditRule?.definition.filters.prefixMatch, ["[concat(variables('auditContainerName'), '/')]"]);
        assert.ok(auditRule?.definition.filters.blobTypes.includes('appendBlob'));
        assert.equal(
          auditRule?.definition.actions.baseBlob?.delete.daysAfterModificationGreaterThan,
          "[add(parameters('auditRetentionDays'), 1)]",
        );
        assert.equal(settings.get('STORAGE_BLOB_AUDIT_CONTAINER'), "[variables('auditContainerName')]");
        assert.equal(settings.get('AUDIT_RETENTION_DAYS'), "[string(parameters('auditRetentionDays'))]");
      });

      it('makes the storage account zone-redundant by default', () => {
        assert.equal(inner.parameters?.storageSku?.defaultValue, 'Standard_ZRS');
        assert.equal((ofType('Microsoft.Storage/storageAccounts')[0]?.sku as { name: string }).name, "[parameters('storageSku')]");
      });

      it('offers global, Europe and India bots with their token service and Direct Line hosts, the Azure Bot and its channels in that region', () => {
        assert.deepEqual(inner.parameters?.botRegion?.allowedValues, ['global', 'europe', 'india']);
        const regions = variables.regions as Record<string, { botLocation: string; oauthUrl: string; directLineBaseUrl: string }>;
        for (const [region, hosts] of Object.entries(REGION_HOSTS)) {
          assert.equal(regions[region]?.oauthUrl, hosts.oauthUrl, region);
          assert.equal(regions[region]?.directLineBaseUrl, hosts.directLineBaseUrl, region);
        }
        assert.deepEqual(
          [regions.global?.botLocation, regions.europe?.botLocation, regions.india?.botLocation],
          ['global', 'westeurope', 'centralindia'],
        );
        for (const bot of resources.filter((r) => r.type.startsWith('Microsoft.BotService/')))
          assert.equal(bot.location, "[variables('region').botLocation]");
      });

      it("sends the web app's console, HTTP and platform logs to the workspace", () => {
        const [diagnostics] = ofType('Microsoft.Insights/diagnosticSettings');
        assert.equal(diagnostics?.scope, "[concat('Microsoft.Web/sites/', variables('webAppName'))]");
        assert.equal(diagnostics?.properties?.workspaceId, "[variables('workspaceId')]");
        const categories = (diagnostics?.properties?.logs as Array<{ category: string; enabled: boolean }>)
          .filter((l) => l.enabled)
          .map((l) => l.category);
        for (const category of ['AppServiceConsoleLogs', 'AppServiceHTTPLogs', 'AppServicePlatformLogs'])
          assert.ok(categories.includes(category), category);
      });

      it("e-mails every alert to the operator's address through one action group", () => {
        const [group] = ofType('Microsoft.Insights/actionGroups');
        const receivers = group?.properties?.emailReceivers as Array<{ emailAddress: string }>;
        assert.deepEqual(
          receivers.map((r) => r.emailAddress),
          ["[parameters('operatorEmail')]"],
        );
        const metricAlerts = ofType('Microsoft.Insights/metricAlerts');
        const logAlerts = ofType('Microsoft.Insights/scheduledQueryRules');
        for (const alert of metricAlerts)
          assert.deepEqual(alert.properties?.actions, [{ actionGroupId: "[variables('actionGroupId')]" }], alert.name);
        for (const alert of logAlerts) {
          assert.deepEqual(
            (alert.properties?.actions as { actionGroups: string[] }).actionGroups,
            ["[variables('actionGroupId')]"],
            alert.name,
          );
          assert.deepEqual(alert.properties?.scopes, ["[variables('workspaceId')]"], alert.name);
        }
      });

      it('alerts on health checks, restarts, 5xx on /api/messages, token service and Graph errors, stuck closures, owed messages and unconfirmed hand-offs', () => {
        const metrics = ofType('Microsoft.Insights/metricAlerts').map(
          (a) => (a.properties?.criteria as { allOf: Array<{ metricName: string }> }).allOf[0]?.metricName,
        );
        assert.deepEqual(metrics.sort(), ['HealthCheckStatus', 'Http5xx']);
        const names = ofType('Microsoft.Insights/scheduledQueryRules').map((a) => a.name.replace(/.*'-([a-z0-9-]+)'\)\]$/, '$1'));
        assert.deepEqual(names.sort(), [
          'graph-errors',
          'handoff-unconfirmed',
          'messages-5xx',
          'owed-messages',
          'restarts',
          'stuck-closures',
          'token-service-errors',
        ]);
        const messages5xx = ofType('Microsoft.Insights/scheduledQueryRules').find((a) => a.name.includes('messages-5xx'));
        assert.match(JSON.stringify(messages5xx?.properties?.criteria), /CsUriStem startswith \\"\/api\/messages\\" and ScStatus >= 500/);
      });

      it('names in its log alerts only log lines and audit events the bot really writes', () => {
        const queries = ofType('Microsoft.Insights/scheduledQueryRules').map(
          (a) => (a.properties?.criteria as { allOf: Array<{ query: string }> }).allOf[0]?.query ?? '',
        );
        const named = queries.flatMap((q) => [
          ...[...q.matchAll(/message (?:==|has) "([^"]+)"/g)].map((m) => m[1] ?? ''),
          ...[...q.matchAll(/message in \(([^)]*)\)/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/"([^"]+)"/g)].map((n) => n[1] ?? '')),
        ]);
        assert.ok(named.length >= 6, named.join(', '));
        const missing = named.filter((line) => !code.includes(line));
        assert.deepEqual(missing, []);
        const events = queries.flatMap((q) => [...q.matchAll(/e\.event\) == "([^"]+)"/g)].map((m) => m[1] as AuditEventType));
        assert.deepEqual(events, ['closureUnconfirmed']);
        assert.ok(readFileSync(path.join(ROOT, 'services/auditTrail.ts'), 'utf8').includes(`'${events[0]}'`));
      });

      it('shows the closure funnel in a workbook from counts only, never an id that names a person', () => {
        const [workbook] = ofType('Microsoft.Insights/workbooks');
        assert.equal(workbook?.kind, 'shared');
        assert.equal(workbook?.name, "[variables('workbookName')]");
        assert.match(String(variables.workbookName), /^\[guid\(/, 'a workbook is named by a GUID');
        const data = JSON.parse(String(workbook?.properties?.serializedData)) as {
          version: string;
          items: Array<{ content: { query?: string } }>;
        };
        assert.equal(data.version, 'Notebook/1.0');
        const funnel = data.items.map((i) => i.content.query ?? '').join('\n');
        for (const stage of ['started', 'signed in', 'eligible', 'warned', 'confirmed', 'closed', 'handed off', 'verified', 'failed'])
          assert.ok(funnel.includes(`"${stage}`) || funnel.includes(` ${stage}"`), stage);
        assert.match(funnel, /summarize count = count\(\)/);
        // A failed attempt the reconciler retries is not an outcome (services/closure/closingEngine.ts: `<code>:willRetry`).
        assert.match(funnel, /event == "closeFailed" and not\(detail endswith ":willRetry"\), "6 failed"/);
        for (const field of ['objectId', 'tenantId', 'upnHash', 'displayName', 'upn'])
          assert.ok(!new RegExp(`\\b${field}\\b`).test(funnel), field);
      });
    });
  }
});
