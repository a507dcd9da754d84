import {
  ChainedTokenCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  CredentialUnavailableError,
  EnvironmentCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type ClientSecretCredentialOptions,
  type TokenCredential,
} from '@azure/identity';
import type { Logger } from '../logger';

/** App-only (client credentials) tokens for Graph, per tenant: the closer and exporter act in the user's own tenant. */
export interface AppCredentialProvider {
  /** @throws the credential's own error (an @azure/identity `AuthenticationError` / `CredentialUnavailableError`). */
  getToken(tenantId: string, scope: string): Promise<string>;
}

/** Mirrors `GraphDirectoryConfig['credential']` from config/. */
export type AppCredentialConfig =
  | { readonly kind: 'clientSecret'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'clientCertificate'; readonly clientId: string; readonly certificatePath: string }
  | { readonly kind: 'managedIdentity'; readonly clientId?: string }
  | { readonly kind: 'default' };

export interface AppCredentialOptions {
  readonly logger: Logger;
  /** Entra authority, e.g. `https://login.microsoftonline.com` (the default) or a sovereign cloud's. */
  readonly authorityHost?: string;
  /** Skips the instance-discovery call; for private or local authorities that have no discovery endpoint. */
  readonly disableInstanceDiscovery?: boolean;
  /** Transport of the token requests (an `https.Agent` for a proxy or private CA, or a whole pipeline `httpClient`). */
  readonly transport?: Pick<ClientSecretCredentialOptions, 'agent' | 'httpClient' | 'proxyOptions'>;
}

/** The `.default` scope of the Graph instance at `graphBaseUrl` (`https://graph.microsoft.com/.default` in production). */
export function graphScopeFor(graphBaseUrl: string): string {
  return `${new URL(graphBaseUrl).origin}/.default`;
}

/**
 * Builds the provider from config. Client secret and certificate credentials are created once per tenant and
 * reused: each holds its own MSAL token cache, so a second `getToken` for a tenant is served from memory until
 * the token nears expiry (https://learn.microsoft.com/entra/identity-platform/msal-acquire-cache-tokens).
 * Managed identity and the production chain are single-tenant by nature: their tokens are for their home tenant.
 */
export function createAppCredentialProvider(config: AppCredentialConfig, options: AppCredentialOptions): AppCredentialProvider {
  const logger = options.logger.child('credentials');
  const common = {
    ...options.transport,
    authorityHost: options.authorityHost,
    disableInstanceDiscovery: options.disableInstanceDiscovery,
  };
  switch (config.kind) {
    case 'clientSecret':
      return perTenant(logger, config.kind, (tenantId) => new ClientSecretCredential(tenantId, config.clientId, config.clientSecret, common));
    case 'clientCertificate':
      return perTenant(logger, config.kind, (tenantId) => new ClientCertificateCredential(tenantId, config.clientId, config.certificatePath, common));
    case 'managedIdentity':
      return singleCredential(logger, config.kind, new ManagedIdentityCredential({ ...options.transport, clientId: config.clientId }));
    case 'default':
      // DefaultAzureCredential would also try developer tools (Azure CLI, VS Code, ...) unless AZURE_TOKEN_CREDENTIALS=prod
      // is set; a bot in production must never pick up whoever last ran `az login`, so the production chain is explicit.
      return singleCredential(logger, config.kind, new ChainedTokenCredential(...productionChain(common, options, logger)));
  }
}

/** The chain `DefaultAzureCredential` builds for AZURE_TOKEN_CREDENTIALS=prod: environment, workload identity, managed identity. */
function productionChain(common: ClientSecretCredentialOptions, options: AppCredentialOptions, logger: Logger): TokenCredential[] {
  const chain: TokenCredential[] = [new EnvironmentCredential({ ...common, additionallyAllowedTenants: ['*'] })];
  try {
    chain.push(new WorkloadIdentityCredential({ ...common, additionallyAllowedTenants: ['*'] }));
  } catch (error) {
    // Its constructor throws when the federated token file and client id are not configured: not on AKS, so leave it out.
    if (!(error instanceof CredentialUnavailableError)) throw error;
    logger.info('workload identity is not configured; the chain is environment, then managed identity', { reason: error.message });
  }
  chain.push(new ManagedIdentityCredential({ ...options.transport }));
  return chain;
}

/** Any `TokenCredential` (e.g. the sandbox's) as a provider; the tenant is passed on as `getToken`'s `tenantId`. */
export function appCredentialProviderFromTokenCredential(credential: TokenCredential, options: { readonly logger: Logger }): AppCredentialProvider {
  const logger = options.logger.child('credentials');
  return {
    getToken: async (tenantId, scope) => {
      const token = await credential.getToken(scope, { tenantId });
      return requireToken(token?.token, logger, tenantId);
    },
  };
}

function perTenant(logger: Logger, kind: string, create: (tenantId: string) => TokenCredential): AppCredentialProvider {
  const byTenant = new Map<string, TokenCredential>();
  return {
    getToken: async (tenantId, scope) => {
      let credential = byTenant.get(tenantId);
      if (!credential) {
        credential = create(tenantId);
        byTenant.set(tenantId, credential);
        logger.info(`created a "${kind}" credential for tenant "${tenantId}"`, { tenantId, credential: kind });
      }
      const token = await credential.getToken(scope);
      return requireToken(token?.token, logger, tenantId);
    },
  };
}

function singleCredential(logger: Logger, kind: string, credential: TokenCredential): AppCredentialProvider {
  return {
    getToken: async (tenantId, scope) => {
      const token = await credential.getToken(scope);
      logger.debug(`"${kind}" token acquired; it is for the identity's home tenant`, { tenantId, credential: kind });
      return requireToken(token?.token, logger, tenantId);
    },
  };
}

function requireToken(token: string | undefined, logger: Logger, tenantId: string): string {
  if (!token) {
    logger.warn('the credential returned no token', { tenantId });
    throw new Error(`the credential returned no token for tenant "${tenantId}"`);
  }
  return token;
}
