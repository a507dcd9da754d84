/**
 * The app settings a deployment of one of our ARM templates gives the web app, computed from the template and its
 * parameters file as Resource Manager and App Service would: parameters (file, then overrides, then defaults; allowed
 * values and required ones checked), variables, the inner-scope nested deployment of the new-resource-group template,
 * then the site's `appSettings`, whose `@Microsoft.KeyVault(...)` values App Service resolves with the app's identity
 * (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#reference-syntax).
 */
import type { ArmParameterValue, ArmParametersFile, ArmTemplate } from '../deploymentTemplates/armTemplate';
import { innerDeployments, isSecureType, readJson, type AppSetting } from '../deploymentTemplates/armTemplate';
import { evaluateValue, type DeployedAzure, type Scope } from './armEvaluator';

/** Secrets in the stand-in Key Vault: `<vault name>/<secret name>` -> value. */
export type KeyVaultSecrets = ReadonlyMap<string, string>;

export interface TemplateDeployment {
  readonly template: string;
  readonly parametersFile: string;
  /** Values the operator gives on the command line (`--parameters name=value`), over the file's. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly azure: DeployedAzure;
  readonly keyVault: KeyVaultSecrets;
}

/** What one deployment leaves behind that the rehearsal needs: the web app's settings and the Blob containers it creates. */
export interface DeployedWebApp {
  /** As the process sees them: Key Vault references resolved. */
  readonly appSettings: Record<string, string>;
  readonly blobContainers: readonly string[];
}

/**
 * Evaluates the deployment. The Key Vault the references read holds the secrets the deployment itself writes
 * (`Microsoft.KeyVault/vaults/secrets` resources whose condition holds), over those the operator made beforehand
 * (`keyVault`, e.g. a SingleTenant bot's client secret).
 */
export function deployTemplate(deployment: TemplateDeployment): DeployedWebApp {
  const template = readJson<ArmTemplate>(deployment.template);
  const file = readJson<ArmParametersFile>(deployment.parametersFile);
  const given: Record<string, ArmParameterValue> = { ...file.parameters };
  for (const [name, value] of Object.entries(deployment.parameters)) given[name] = { value };
  let scope = templateScope(template, given, deployment);
  let resources = template.resources;
  // The new-resource-group template deploys everything through one inner-scope nested deployment.
  const inner = innerDeployments(template)[0];
  if (inner) {
    const passed = Object.fromEntries(
      Object.entries(inner.parameters).map(([name, entry]) => [name, { value: evaluateValue(entry.value, scope) }]),
    );
    scope = templateScope(inner.template, passed, deployment);
    resources = inner.template.resources;
  }
  const deployed = (type: string) =>
    resources.filter(
      (resource) => resource.type === type && (resource.condition === undefined || evaluateValue(resource.condition, scope) === true),
    );
  const vault = new Map(deployment.keyVault);
  for (const secret of deployed('Microsoft.KeyVault/vaults/secrets'))
    vault.set(String(evaluateValue(secret.name, scope)), String(evaluateValue(secret.properties?.value, scope)));
  const site = deployed('Microsoft.Web/sites')[0];
  if (!site) throw new Error(`${deployment.template} creates no web app`);
  const appSettings: Record<string, string> = {};
  for (const setting of ((site.properties?.siteConfig ?? {}) as { appSettings?: AppSetting[] }).appSettings ?? []) {
    const value = evaluateValue(setting.value, scope);
    if (typeof value !== 'string') throw new Error(`app setting ${setting.name} is ${JSON.stringify(value)}, not a string`);
    appSettings[setting.name] = resolveKeyVaultReference(setting.name, value, vault);
  }
  const blobContainers = deployed('Microsoft.Storage/storageAccounts/blobServices/containers').map(
    (container) => String(evaluateValue(container.name, scope)).split('/').pop() ?? '',
  );
  return { appSettings, blobContainers };
}

/** The web app's app settings as the process sees them, Key Vault references resolved. */
export function deployedAppSettings(deployment: TemplateDeployment): Record<string, string> {
  return deployTemplate(deployment).appSettings;
}

function templateScope(template: ArmTemplate, given: Record<string, ArmParameterValue>, deployment: TemplateDeployment): Scope {
  const parameters: Record<string, unknown> = {};
  const variables: Record<string, unknown> = {};
  const scope: Scope = { parameters, variables, azure: deployment.azure };
  const declared = template.parameters ?? {};
  for (const name of Object.keys(given)) if (!declared[name]) throw new Error(`"${name}" is not a parameter of ${deployment.template}`);
  for (const [name, declaration] of Object.entries(declared)) {
    if (!declaration) continue;
    const entry = given[name];
    let value: unknown;
    if (entry?.reference) value = keyVaultParameter(name, entry.reference, deployment.keyVault);
    else if (entry && entry.value !== undefined) value = entry.value;
    else if (declaration.defaultValue !== undefined) value = evaluateValue(declaration.defaultValue, scope);
    else
      throw new Error(
        `the deployment gives no value for the required parameter "${name}"${isSecureType(declaration.type) ? ' (secure)' : ''}`,
      );
    if (declaration.allowedValues && !declaration.allowedValues.includes(value))
      throw new Error(`parameter "${name}" is ${JSON.stringify(value)}, not one of ${JSON.stringify(declaration.allowedValues)}`);
    if (typeof value === 'string' && value.length < (declaration.minLength ?? 0))
      throw new Error(`parameter "${name}" is shorter than its minLength ${declaration.minLength}`);
    parameters[name] = value;
  }
  // Variables are evaluated when first read, as they may read each other in any order.
  for (const [name, raw] of Object.entries(template.variables ?? {})) {
    let evaluated: { value: unknown } | undefined;
    Object.defineProperty(variables, name, {
      enumerable: true,
      get: () => (evaluated ??= { value: evaluateValue(raw, scope) }).value,
    });
  }
  return scope;
}

/** A parameters file's `"reference": { "keyVault": { "id" }, "secretName" }`, which Resource Manager reads at deployment. */
function keyVaultParameter(name: string, reference: NonNullable<ArmParameterValue['reference']>, vault: KeyVaultSecrets): string {
  const vaultName = reference.keyVault.id.split('/').pop() ?? '';
  const value = vault.get(`${vaultName}/${reference.secretName}`);
  if (value === undefined)
    throw new Error(
      `parameter "${name}" references Key Vault secret ${vaultName}/${reference.secretName}, which the rehearsal's vault does not hold`,
    );
  return value;
}

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\((.*)\)$/i;

/** App Service's resolution of `SecretUri=https://<vault>.vault.azure.net/secrets/<name>[/<version>]` or `VaultName=..;SecretName=..`. */
function resolveKeyVaultReference(setting: string, value: string, vault: KeyVaultSecrets): string {
  const body = KEY_VAULT_REFERENCE.exec(value.trim())?.[1];
  if (body === undefined) return value;
  const fields = new Map(
    body.split(';').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim()] as const;
    }),
  );
  let vaultName = fields.get('vaultname');
  let secretName = fields.get('secretname');
  const uri = fields.get('secreturi');
  if (uri) {
    const parsed = /^https:\/\/([^./]+)\.vault\.azure\.net\/secrets\/([^/]+)(\/[^/]*)?\/?$/.exec(uri);
    if (!parsed) throw new Error(`app setting ${setting}: App Service cannot read the Key Vault reference ${value}`);
    [, vaultName, secretName] = parsed;
  }
  const secret = vaultName && secretName ? vault.get(`${vaultName}/${secretName}`) : undefined;
  if (secret === undefined)
    throw new Error(
      `app setting ${setting} references ${vaultName ?? '?'}/${secretName ?? '?'}, which the rehearsal's Key Vault does not hold`,
    );
  return secret;
}
