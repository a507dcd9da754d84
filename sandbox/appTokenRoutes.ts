import { timingSafeEqual } from 'node:crypto';
import type { Logger } from './logger';
import type { SandboxDirectory } from './directory';
import { sendJson, type Route, type RouteContext } from './http';

/** Lifetime of app and user access tokens, like Entra's default of about an hour. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;

export interface AppClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * The client-credentials grant of the Microsoft identity platform,
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow. One app is registered
 * once; it has a service principal (as if consented) in every tenant but those seeded with `appServicePrincipal:
 * false`, which is how the demo seed's unmanaged tenants are: nobody there can consent, as in Azure.
 */
export function appTokenRoutes(options: {
  readonly directory: SandboxDirectory;
  readonly app: AppClient;
  readonly logger: Logger;
}): Route[] {
  const { directory, app, logger } = options;

  async function token(ctx: RouteContext): Promise<void> {
    const tenantId = ctx.params[0] ?? '';
    const form = new URLSearchParams(await ctx.body());
    const fail = (status: number, error: string, aadsts: number, description: string) =>
      sendJson(ctx, status, {
        error,
        error_description: `AADSTS${aadsts}: ${description} Trace ID: ${ctx.requestId} Correlation ID: ${ctx.clientRequestId} Timestamp: ${ctx.now.toISOString()}`,
        error_codes: [aadsts],
        timestamp: ctx.now.toISOString(),
        trace_id: ctx.requestId,
        correlation_id: ctx.clientRequestId,
        error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
      });

    const tenant = directory.tenant(tenantId);
    if (!tenant) return fail(400, 'invalid_request', 90002, `Tenant '${tenantId}' not found.`);
    if (form.get('grant_type') !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 70003, 'The sandbox supports only the client_credentials grant on this endpoint.');
    }
    if (form.get('client_id') !== app.clientId) {
      return fail(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${tenantId}'.`,
      );
    }
    if (!sameSecret(form.get('client_secret') ?? '', app.clientSecret)) {
      return fail(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    }
    if (tenant.appServicePrincipal === false) {
      // Entra's answer to the client-credentials grant of a registered (multi-tenant) app that has no service
      // principal in the tenant (never consented there; in an unmanaged tenant nobody can consent): 401
      // invalid_client, AADSTS7000229, as quoted in full by the Teams SDK's troubleshooting page,
      // https://microsoft.github.io/teams-sdk/teams/app-authentication/troubleshooting ("Missing Service Principal
      // in the Tenant"). AADSTS700016 above is the other answer: an app id the directory does not know at all.
      return fail(
        401,
        'invalid_client',
        7000229,
        `The client application ${app.clientId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
      );
    }
    const scope = form.get('scope') ?? '';
    if (!scope.endsWith('/.default')) {
      return fail(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    }
    const issued = await directory.update(() => directory.issueToken({ kind: 'app', tenantId }, ACCESS_TOKEN_LIFETIME_SECONDS));
    logger.debug(`app token issued for tenant "${tenantId}"`);
    sendJson(ctx, 200, {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      access_token: issued.token,
    });
  }

  return [{ method: 'POST', pattern: /^\/login\/([^/]+)\/oauth2\/v2\.0\/token$/, handle: token }];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
