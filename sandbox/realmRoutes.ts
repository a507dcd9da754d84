import type { SandboxDirectory } from './directory';
import { sendJson, type Route, type RouteContext } from './http';

const CLOUD_INSTANCE = 'microsoftonline.com';

/**
 * The user-realm endpoint, `GET {login}/common/userrealm/{upn}?api-version=2.1`: answers by the sign-in name's
 * domain (the user need not exist), like the real endpoint. `IsViral: true` marks an unmanaged organization.
 */
export function realmRoutes(options: { readonly directory: SandboxDirectory }): Route[] {
  const { directory } = options;

  async function userRealm(ctx: RouteContext): Promise<void> {
    const login = ctx.params[0] ?? '';
    if (ctx.url.searchParams.get('api-version') === null) {
      sendJson(ctx, 400, { error: 'invalid_request', error_description: "The request is missing the required parameter 'api-version'." });
      return;
    }
    const at = login.lastIndexOf('@');
    const domain = at > 0 ? login.slice(at + 1).toLowerCase() : '';
    const tenant = domain ? directory.tenantForDomain(domain) : undefined;
    if (!tenant) {
      sendJson(ctx, 200, { NameSpaceType: 'Unknown', Login: login, DomainName: domain, cloud_instance_name: CLOUD_INSTANCE });
      return;
    }
    sendJson(ctx, 200, {
      NameSpaceType: 'Managed',
      Login: login,
      DomainName: domain,
      FederationBrandName: tenant.displayName,
      TenantBrandingInfo: null,
      cloud_instance_name: CLOUD_INSTANCE,
      ...(tenant.unmanaged ? { IsViral: true } : {}),
    });
  }

  return [{ method: 'GET', pattern: /^\/login\/common\/userrealm\/([^/]+)$/, handle: userRealm }];
}
