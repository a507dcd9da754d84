import { SETTINGS } from './settings';

/**
 * Start-up refusals: settings that cannot be run, each as one line naming the setting.
 *
 * App Service resolves an app setting of the form `@Microsoft.KeyVault(SecretUri=...)` or
 * `@Microsoft.KeyVault(VaultName=...;SecretName=...)` to the secret before the app starts; when it cannot (no access
 * for `keyVaultReferenceIdentity`, a deleted secret, a typo), "the reference string is used instead"
 * (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#troubleshoot-key-vault-references).
 * Taken as a value, that text would be a client secret nobody accepts or an audit key everybody knows.
 */
const KEY_VAULT_REFERENCE = /^\s*@Microsoft\.KeyVault\(/i;

function isKeyVaultReference(value: string): boolean {
  return KEY_VAULT_REFERENCE.test(value);
}

/** One line per declared setting that still holds a Key Vault reference; the reference names no secret value. */
export function unresolvedKeyVaultReferences(env: Readonly<Record<string, string | undefined>>): string[] {
  return SETTINGS.filter((setting) => isKeyVaultReference(env[setting.name] ?? '')).map(
    (setting) =>
      `${setting.name} holds an unresolved Key Vault reference (${env[setting.name]?.trim()}): App Service could not read the secret; ` +
      "check that the app's Key Vault reference identity may read it (docs/deploy.md).",
  );
}

export interface DeploymentFacts {
  readonly directory: 'sandbox' | 'graph';
  /** MicrosoftAppType or MicrosoftAppId is set (a wrong one is reported by the identity's own checks). */
  readonly botIdentityGiven: boolean;
  readonly port: number;
  /** SANDBOX_PORT when this process starts its own sandbox. */
  readonly embeddedSandboxPort?: number;
}

/** Settings each valid alone that cannot run together: one line each, naming the settings. */
export function deploymentRefusals(facts: DeploymentFacts): string[] {
  const problems: string[] = [];
  // Without an app id CloudAdapter skips Bot Framework authentication: anyone could post to /api/messages, and
  // every conversation would fail at the token service anyway.
  if (facts.directory === 'graph' && !facts.botIdentityGiven)
    problems.push(
      'MicrosoftAppId is required with DIRECTORY=graph (with MicrosoftAppType and MicrosoftAppTenantId): without a bot identity Bot Framework authentication is off.',
    );
  // 0 asks the system for any free port, for each server: no collision.
  if (facts.embeddedSandboxPort !== undefined && facts.port !== 0 && facts.port === facts.embeddedSandboxPort)
    problems.push(`PORT and SANDBOX_PORT are both ${facts.port}: the bot and its embedded sandbox need a port each.`);
  return problems;
}
