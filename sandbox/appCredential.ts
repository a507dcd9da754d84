import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { AppClient } from './appTokenRoutes';

/**
 * Gets app-only tokens from the sandbox's client-credentials endpoint, the way a ClientSecretCredential would
 * from login.microsoftonline.com. App tokens are per tenant, so `options.tenantId` is required.
 */
export function createSandboxAppCredential(options: {
  readonly loginBaseUrl: string;
  readonly app: AppClient;
  readonly clock: () => Date;
}): TokenCredential {
  return {
    async getToken(scopes: string | string[], tokenOptions?: GetTokenOptions): Promise<AccessToken> {
      const tenantId = tokenOptions?.tenantId;
      if (!tenantId) throw new Error('The sandbox app credential needs getToken(scope, { tenantId }): app tokens are issued per tenant.');
      const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
      const response = await fetch(`${options.loginBaseUrl}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: options.app.clientId,
          client_secret: options.app.clientSecret,
          scope,
        }),
        signal: tokenOptions?.abortSignal as AbortSignal | undefined,
      });
      const body = (await response.json().catch(() => ({}))) as {
        access_token?: unknown;
        expires_in?: unknown;
        error?: unknown;
        error_description?: unknown;
      };
      if (!response.ok || typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
        throw new Error(
          `The sandbox token endpoint refused an app token for tenant "${tenantId}": ${response.status} ${typeof body.error === 'string' ? body.error : ''}: ${typeof body.error_description === 'string' ? body.error_description : ''}`,
        );
      }
      return { token: body.access_token, expiresOnTimestamp: options.clock().getTime() + body.expires_in * 1000, tokenType: 'Bearer' };
    },
  };
}
