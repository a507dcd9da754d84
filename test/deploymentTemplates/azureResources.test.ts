import assert from 'node:assert/strict';
import { SETTINGS } from '../../config/settings';
import {
  type ArmResource,
  type ArmTemplate,
  DEPLOYMENTS,
  allResources,
  innerDeployments,
  readJson,
  relative,
  webApps,
} from './armTemplate';

/** Built-in role and service provider ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const STORAGE_BLOB_DATA_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';
const AADV2_SERVICE_PROVIDER = '30dd229c-58e3-4a48-bdfd-91ec48eb906c';

function only(resources: readonly ArmResource[], type: string): ArmResource {
  const found = resources.filter((resource) => resource.type === type);
  assert.equal(found.length, 1, `exactly one ${type}`);
  return found[0];
}

/** The template whose own variables the resources use: the nested one for the subscription deployment. */
function resourceTemplate(template: ArmTemplate): ArmTemplate {
  return innerDeployments(template)[0]?.template ?? template;
}

describe('Azure resources of the deployment templates', () => {
  for (const deployment of DEPLOYMENTS) {
    const template = readJson<ArmTemplate>(deployment.template);
    const resources = allResources(template);
    const props = (type: string): Record<string, unknown> => only(resources, type).properties ?? {};

    describe(relative(deployment.template), () => {
      it('runs the bot on Linux App Service with Node 24 LTS, the built bot (node dist/index.js) and the /healthz health check', () => {
        const plan = only(resources, 'Microsoft.Web/serverfarms');
        assert.equal(plan.kind, 'linux');
        assert.equal(plan.properties?.reserved, true);
        const site = only(resources, 'Microsoft.Web/sites');
        assert.equal(site.kind, 'app,linux');
        const siteConfig = (site.properties?.siteConfig ?? {}) as Record<string, unknown>;
        assert.equal(siteConfig.linuxFxVersion, 'NODE|24-lts');
        assert.equal(siteConfig.appCommandLine, 'node dist/index.js');
        assert.equal(siteConfig.healthCheckPath, '/healthz');
        assert.equal(siteConfig.alwaysOn, true);
        assert.equal(siteConfig.webSocketsEnabled, true);
      });

      it('serves the web app over HTTPS only, TLS 1.2 and without FTP', () => {
        const site = only(resources, 'Microsoft.Web/sites');
        const siteConfig = (site.properties?.siteConfig ?? {}) as Record<string, unknown>;
        assert.equal(site.properties?.httpsOnly, true);
        assert.equal(siteConfig.minTlsVersion, '1.2');
        assert.equal(siteConfig.ftpsState, 'Disabled');
      });

      it('gives the web app the user-assigned identity and resolves Key Vault references with it', () => {
        const site = only(resources, 'Microsoft.Web/sites');
        const identity = site.identity as { type: string; userAssignedIdentities: Record<string, unknown> };
        assert.equal(identity.type, 'UserAssigned');
        assert.deepEqual(Object.keys(identity.userAssignedIdentities), ["[variables('identityId')]"]);
        assert.equal(site.properties?.keyVaultReferenceIdentity, "[variables('identityId')]");
        only(resources, 'Microsoft.ManagedIdentity/userAssignedIdentities');
      });

      it('runs the bot with the graph directory, blob storage and the managed identity', () => {
        const settings = new Map(webApps(template)[0]?.appSettings.map((s) => [s.name, String(s.value)]));
        assert.equal(settings.get('DIRECTORY'), 'graph');
        assert.equal(settings.get('STORAGE'), 'blob');
        assert.equal(settings.get('GRAPH_CREDENTIAL'), 'managedIdentity');
        assert.match(settings.get('STORAGE_BLOB_ACCOUNT_URL') ?? '', /reference\(variables\('storageId'\).*primaryEndpoints\.blob/);
        assert.match(settings.get('GRAPH_CLIENT_ID') ?? '', /reference\(variables\('identityId'\).*\.clientId/);
        assert.match(settings.get('MicrosoftAppType') ?? '', /parameters\('appType'\)/);
        assert.match(settings.get('connectionName') ?? '', /parameters\('oauthConnectionName'\)/);
        assert.match(
          settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING') ?? '',
          /reference\(variables\('insightsId'\).*\.ConnectionString/,
        );
      });

      it("passes the region's token service and Direct Line to the bot as OAUTH_URL and DIRECT_LINE_BASE_URL", () => {
        const settings = new Map(webApps(template)[0]?.appSettings.map((s) => [s.name, String(s.value)]));
        assert.equal(settings.get('OAUTH_URL'), "[variables('region').oauthUrl]");
        assert.equal(settings.get('DIRECT_LINE_BASE_URL'), "[variables('region').directLineBaseUrl]");
        assert.equal(resourceTemplate(template).parameters?.botRegion?.defaultValue, 'global');
      });

      it('offers the bot identity as a user-assigned identity or a single-tenant app registration', () => {
        const appType = resourceTemplate(template).parameters?.appType;
        assert.deepEqual([...(appType?.allowedValues ?? [])].sort(), ['SingleTenant', 'UserAssignedMSI']);
        assert.equal(appType?.defaultValue, 'UserAssignedMSI');
      });

      it('registers an Azure Bot with its app type, app id, tenant, identity and messaging endpoint', () => {
        const bot = only(resources, 'Microsoft.BotService/botServices');
        assert.equal(bot.kind, 'azurebot');
        assert.equal(bot.location, "[variables('region').botLocation]");
        const properties = bot.properties ?? {};
        assert.equal(properties.msaAppType, "[parameters('appType')]");
        assert.match(String(properties.msaAppId), /parameters\('botAppId'\)/);
        assert.match(String(properties.msaAppTenantId), /tenantId/);
        assert.match(String(properties.msaAppMSIResourceId), /variables\('identityId'\)/);
        assert.equal(properties.endpoint, "[variables('messagingEndpoint')]");
        assert.match(String(resourceTemplate(template).variables?.messagingEndpoint), /^\[concat\('https:\/\/', .*'\/api\/messages'\)\]$/);
      });

      it('opens the Microsoft Teams and Direct Line channels', () => {
        const channels = resources
          .filter((r) => r.type === 'Microsoft.BotService/botServices/channels')
          .map((r) => (r.properties as { channelName: string }).channelName)
          .sort();
        assert.deepEqual(channels, ['DirectLineChannel', 'MsTeamsChannel']);
      });

      it('creates the AADv2 OAuth connection with User.Read, secure client credentials and the Teams SSO exchange URL', () => {
        const connection = only(resources, 'Microsoft.BotService/botServices/connections');
        const properties = connection.properties as {
          serviceProviderId: string;
          scopes: string;
          clientId: string;
          clientSecret: string;
          parameters: { key: string; value: string }[];
        };
        assert.match(properties.serviceProviderId, new RegExp(`${AADV2_SERVICE_PROVIDER}|variables\\('aadV2ServiceProviderId'\\)`));
        assert.equal(resourceTemplate(template).variables?.aadV2ServiceProviderId, AADV2_SERVICE_PROVIDER);
        assert.equal(properties.scopes, 'User.Read');
        assert.equal(properties.clientId, "[parameters('oauthClientId')]");
        assert.equal(properties.clientSecret, "[parameters('oauthClientSecret')]");
        assert.equal(resourceTemplate(template).parameters?.oauthClientSecret?.type, 'securestring');
        const keys = new Map(properties.parameters.map((p) => [p.key, p.value]));
        assert.equal(keys.get('tenantID'), "[parameters('oauthTenantId')]");
        assert.equal(keys.get('tokenExchangeUrl'), "[variables('tokenExchangeUrl')]");
        // The sign-in app's own id, not the bot's or the managed identity's: Teams SSO asks for a token to that app,
        // and Entra ID refuses an identifier URI on it that does not contain its id.
        assert.equal(resourceTemplate(template).variables?.tokenExchangeUrl, "[concat('api://botid-', parameters('oauthClientId'))]");
      });

      it("turns on Direct Line enhanced authentication with the bot's page and the embedding sites as trusted origins", () => {
        const channel = resources.find(
          (r) => r.type === 'Microsoft.BotService/botServices/channels' && String(r.name).includes('DirectLineChannel'),
        );
        assert.ok(channel);
        const site = (channel.properties as { properties: { sites: Array<Record<string, unknown>> } }).properties.sites[0];
        assert.equal(site.isSecureSiteEnabled, true);
        assert.equal(site.trustedOrigins, "[variables('webChatTrustedOrigins')]");
        const origins = String(resourceTemplate(template).variables?.webChatTrustedOrigins);
        assert.match(origins, /concat\('https:\/\/', variables\('hostName'\)\)/);
        assert.match(origins, /split\(replace\(parameters\('webChatAllowedOrigins'\), ' ', ''\), ','\)/);
      });

      it('keeps state in a private StorageV2 account over HTTPS and TLS 1.2, in the container the bot expects', () => {
        const account = only(resources, 'Microsoft.Storage/storageAccounts');
        assert.equal(account.kind, 'StorageV2');
        const properties = props('Microsoft.Storage/storageAccounts');
        assert.equal(properties.allowBlobPublicAccess, false);
        assert.equal(properties.minimumTlsVersion, 'TLS1_2');
        assert.equal(properties.supportsHttpsTrafficOnly, true);
        const containerDefault = SETTINGS.find((s) => s.name === 'STORAGE_BLOB_CONTAINER')?.default;
        assert.equal(resourceTemplate(template).variables?.stateContainerName, containerDefault);
        const containers = resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers');
        assert.ok(
          containers.some((c) => c.name === "[variables('stateContainerPath')]"),
          'state container',
        );
        assert.ok(
          containers.every((c) => c.properties?.publicAccess === 'None'),
          'no public container',
        );
      });

      it('grants the managed identity Storage Blob Data Contributor on the storage account', () => {
        const assignment = only(
          resources.filter((r) => String(r.scope).includes('storageAccounts')),
          'Microsoft.Authorization/roleAssignments',
        );
        assert.match(String(assignment.scope), /storageAccounts/);
        const properties = assignment.properties as { roleDefinitionId: string; principalId: string; principalType: string };
        assert.equal(resourceTemplate(template).variables?.storageBlobDataContributorRoleId, STORAGE_BLOB_DATA_CONTRIBUTOR);
        assert.match(properties.roleDefinitionId, /variables\('storageBlobDataContributorRoleId'\)/);
        assert.match(properties.principalId, /reference\(variables\('identityId'\).*\.principalId/);
        assert.equal(properties.principalType, 'ServicePrincipal');
      });

      it('sends telemetry to workspace-based Application Insights', () => {
        const insights = only(resources, 'Microsoft.Insights/components');
        assert.equal(insights.properties?.WorkspaceResourceId, "[variables('workspaceId')]");
        only(resources, 'Microsoft.OperationalInsights/workspaces');
      });
    });
  }
});
