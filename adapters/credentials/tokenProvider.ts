import type { AccessToken, GetTokenOptions } from '@azure/core-auth';
import type { Logger } from '../../services/logger';

/**
 * The credential-neutral half of app credentials: the provider port, the token cache, and the adapter for any
 * `TokenCredential`. It loads no Azure SDK (type imports only), so sandbox mode starts without @azure/identity.
 */

/** App-only (client credentials) tokens for Graph, per tenant: the closer and exporter act in the user's own tenant. */
export interface AppCredentialProvider {
  /** @throws the credential's own error (an @azure/identity `AuthenticationError` / `CredentialUnavailableError`). */
  getToken(tenantId: string, scope: string): Promise<string>;
}

/** What `createCachedTokens` needs of a credential: `TokenCredential.getToken`, tenant passed per call or bound. */
export type FetchToken = (tenantId: string, scope: string, options: GetTokenOptions) => Promise<AccessToken | null>;

/**
 * A token is reused until this long before it expires, then fetched again: MSAL refreshes 5 minutes early too
 * (https://learn.microsoft.com/entra/identity-platform/msal-acquire-cache-tokens), which leaves a Graph call that
 * starts with a cached token ample time to finish before the token lapses.
 */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/** The `.default` scope of the Graph instance at `graphBaseUrl` (`https://graph.microsoft.com/.default` in production). */
export function graphScopeFor(graphBaseUrl: string): string {
  return `${new URL(graphBaseUrl).origin}/.default`;
}

interface CacheEntry {
  readonly token: Promise<AccessToken>;
  /** Set once the token arrived; until then concurrent callers share the one request in flight. */
  expiresAt?: number;
}

/**
 * Caches app tokens per tenant and scope until `TOKEN_REFRESH_MARGIN_MS` before expiry, with one request in
 * flight per key (ten closures starting together ask the token endpoint once). The issue-14 profile found the
 * sandbox's app token fetched for every closure; a credential with its own cache (MSAL) is spared the lookup too.
 * A failed fetch is not cached: the next call asks again.
 */
export function createCachedTokens(
  fetchToken: FetchToken,
  options: { readonly logger: Logger; readonly now?: () => number },
): AppCredentialProvider {
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  return {
    async getToken(tenantId, scope) {
      const key = `${tenantId} ${scope}`;
      const cached = cache.get(key);
      if (cached && (cached.expiresAt === undefined || cached.expiresAt - TOKEN_REFRESH_MARGIN_MS > now()))
        return (await cached.token).token;
      const entry: CacheEntry = {
        token: fetchToken(tenantId, scope, { tenantId }).then((token) => {
          const value = requireToken(token?.token, options.logger, tenantId);
          return { ...(token as AccessToken), token: value };
        }),
      };
      cache.set(key, entry);
      try {
        const token = await entry.token;
        entry.expiresAt = token.expiresOnTimestamp;
        return token.token;
      } catch (error) {
        if (cache.get(key) === entry) cache.delete(key);
        throw error;
      }
    },
  };
}

/** Any `TokenCredential` (e.g. the sandbox's) as a provider; the tenant is passed on as `getToken`'s `tenantId`. */
export function appCredentialProviderFromTokenCredential(
  credential: { getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> },
  options: { readonly logger: Logger; readonly now?: () => number },
): AppCredentialProvider {
  return createCachedTokens((_tenantId, scope, tokenOptions) => credential.getToken(scope, tokenOptions), options);
}

export function requireToken(token: string | undefined, logger: Logger, tenantId: string): string {
  if (!token) {
    logger.warn('the credential returned no token', { tenantId });
    throw new Error(`the credential returned no token for tenant "${tenantId}"`);
  }
  return token;
}
