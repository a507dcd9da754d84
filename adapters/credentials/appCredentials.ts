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
import type { Logger } from '../../services/logger';
import { createCachedTokens, type AppCredentialProvider } from './tokenProvider';

export { appCredentialProviderFromTokenCredential, graphScopeFor, type AppCredentialProvider } from './tokenProvider';

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

/**
 * Builds the provider from config. Client secret and certificate credentials are created once per tenant and
 * reused: each holds its own MSAL token cache (https://learn.microsoft.com/entra/identity-platform/msal-acquire-cache-tokens);
 * `createCachedTokens` in front of it serves a repeat call without entering MSAL at all.
 * Managed identity and the production chain are single-tenant by nature: their tokens are for their home tenant.
 */
export function createAppCredentialProvider(config: AppCredentialConfig, options: AppCredentialOptions): AppCredentialProvider {
  const logger = options.logger;
  const common = {
    ...options.transport,
    authorityHost: options.authorityHost,
    disableInstanceDiscovery: options.disableInstanceDiscovery,
  };
  switch (config.kind) {
    case 'clientSecret':
      return perTenant(
        logger,
        config.kind,
        (tenantId) => new ClientSecretCredential(tenantId, config.clientId, config.clientSecret, common),
      );
    case 'clientCertificate':
      return perTenant(
        logger,
        config.kind,
        (tenantId) => new ClientCertificateCredential(tenantId, config.clientId, config.certificatePath, common),
      );
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

function perTenant(logger: Logger, kind: string, create: (tenantId: string) => TokenCredential): AppCredentialProvider {
  const byTenant = new Map<string, TokenCredential>();
  return createCachedTokens(
    (tenantId, scope) => {
      let credential = byTenant.get(tenantId);
      if (!credential) {
        credential = create(tenantId);
        byTenant.set(tenantId, credential);
        logger.info(`created a "${kind}" credential for tenant "${tenantId}"`, { tenantId, credential: kind });
      }
      return credential.getToken(scope);
    },
    { logger },
  );
}

function singleCredential(logger: Logger, kind: string, credential: TokenCredential): AppCredentialProvider {
  return createCachedTokens(
    async (tenantId, scope) => {
      const token = await credential.getToken(scope);
      logger.debug(`"${kind}" token acquired; it is for the identity's home tenant`, { tenantId, credential: kind });
      return token;
    },
    { logger },
  );
}
