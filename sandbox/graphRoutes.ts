import type { Logger } from './logger';
import { forgetCachedTokens, forgetMagicCodes, rememberPurgedSignInName, type SandboxDirectory } from './directory';
import type { IssuedToken, UserRecord } from './directoryRecords';
import type { ExportJobs } from './exportJobs';
import { bearerToken, graphErrors, sendEmpty, sendJson, type Route, type RouteContext } from './http';
import { parseContainerUrl } from './storage';

export interface GraphRoutesOptions {
  readonly directory: SandboxDirectory;
  readonly exports: ExportJobs;
  readonly graphBaseUrl: string;
  readonly storageBaseUrl: string;
  readonly logger: Logger;
}

/** Properties `/me` can `$select`; Graph answers 400 for any other name. */
const USER_PROPERTIES = [
  'id',
  'userPrincipalName',
  'displayName',
  'mail',
  'givenName',
  'surname',
  'jobTitle',
  'businessPhones',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
];
const DEFAULT_SELECT = USER_PROPERTIES;
const ID = '([^/]+)';

/** The slice of Microsoft Graph v1.0 the bot uses; https://learn.microsoft.com/graph/api/overview */
export function graphRoutes(options: GraphRoutesOptions): Route[] {
  const { directory, exports, graphBaseUrl, storageBaseUrl, logger } = options;

  function authenticate(ctx: RouteContext): IssuedToken {
    const token = bearerToken(ctx);
    if (!token) throw graphErrors.invalidAuthenticationToken('Access token is empty.');
    const grant = directory.resolveToken(token);
    if (!grant) throw graphErrors.invalidAuthenticationToken('Access token validation failure. Invalid audience, expired or revoked.');
    return grant;
  }

  function signedInUser(ctx: RouteContext): UserRecord {
    const token = bearerToken(ctx) ?? '';
    const left = directory.unexpiredGrant(token);
    if (left?.kind === 'user' && directory.user(left.userId ?? '')?.status !== 'active') {
      // A token issued before its account was deleted and not yet expired. Microsoft does not document Graph's
      // answer here; the sandbox answers as Graph does for a deleted user's /users/{id} (404, the object is gone).
      // The bot reads only this 404 as evidence of a closure (README, "Checking a hand-off").
      throw graphErrors.resourceNotFound(left.userId ?? '');
    }
    const grant = authenticate(ctx);
    if (grant.kind !== 'user') throw graphErrors.badRequest('/me request is only valid with delegated authentication flow.');
    const user = directory.user(grant.userId ?? '');
    if (!user) throw graphErrors.invalidAuthenticationToken('Access token validation failure.');
    return user;
  }

  /** App-only routes: the token must be an app token of the tenant the object lives in. */
  function userForApp(ctx: RouteContext, id: string, wanted: UserRecord['status']): UserRecord {
    const grant = authenticate(ctx);
    if (grant.kind !== 'app') throw graphErrors.authorizationRequestDenied();
    const user = directory.user(id);
    if (!user || user.status !== wanted) throw graphErrors.resourceNotFound(id);
    // An object of another tenant does not exist for this token: Graph answers 404 (as for a missing id), not 403.
    if (user.tenantId !== grant.tenantId) throw graphErrors.resourceNotFound(id);
    return user;
  }

  async function me(ctx: RouteContext): Promise<void> {
    const user = signedInUser(ctx);
    const select = parseSelect(ctx.url.searchParams.get('$select'));
    const all: Record<string, unknown> = {
      id: user.id,
      userPrincipalName: user.upn,
      displayName: user.displayName,
      mail: user.upn,
      givenName: user.displayName.split(' ')[0] ?? null,
      surname: user.displayName.split(' ').slice(1).join(' ') || null,
      jobTitle: null,
      businessPhones: [],
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
    };
    const body: Record<string, unknown> = { '@odata.context': `${graphBaseUrl}/v1.0/$metadata#users/$entity` };
    for (const name of select) body[name] = all[name];
    sendJson(ctx, 200, body);
  }

  async function organization(ctx: RouteContext): Promise<void> {
    const user = signedInUser(ctx);
    const tenant = directory.tenant(user.tenantId);
    if (!tenant) throw graphErrors.resourceNotFound(user.tenantId);
    sendJson(ctx, 200, {
      '@odata.context': `${graphBaseUrl}/v1.0/$metadata#organization`,
      value: [
        {
          id: tenant.id,
          displayName: tenant.displayName,
          verifiedDomains: tenant.domains.map((name, index) => ({
            name,
            isDefault: index === 0,
            isInitial: false,
            type: 'Managed',
            capabilities: 'Email, OfficeCommunicationsOnline',
          })),
        },
      ],
    });
  }

  async function getUser(ctx: RouteContext): Promise<void> {
    const user = userForApp(ctx, ctx.params[0] ?? '', 'active');
    sendJson(ctx, 200, {
      '@odata.context': `${graphBaseUrl}/v1.0/$metadata#users/$entity`,
      id: user.id,
      userPrincipalName: user.upn,
      displayName: user.displayName,
      mail: user.upn,
    });
  }

  async function exportPersonalData(ctx: RouteContext): Promise<void> {
    const user = userForApp(ctx, ctx.params[0] ?? '', 'active');
    const storageLocation = parseExportBody(await ctx.body());
    const container = parseContainerUrl(storageBaseUrl, storageLocation);
    if (!container)
      throw graphErrors.notImplemented(
        `exports to "${new URL(storageLocation).origin}": storageLocation must be a container of the sandbox storage, ${storageBaseUrl}/{container}`,
      );
    const operation = await exports.submit(user, storageLocation, container);
    sendEmpty(ctx, 202, { location: `${graphBaseUrl}/v1.0/dataPolicyOperations/${operation.id}` });
  }

  async function dataPolicyOperation(ctx: RouteContext): Promise<void> {
    const grant = authenticate(ctx);
    const id = ctx.params[0] ?? '';
    const operation = directory.state.exports[id];
    if (grant.kind !== 'app') throw graphErrors.authorizationRequestDenied();
    if (!operation || operation.tenantId !== grant.tenantId) throw graphErrors.resourceNotFound(id);
    sendJson(ctx, 200, {
      '@odata.context': `${graphBaseUrl}/v1.0/$metadata#dataPolicyOperations/$entity`,
      ...(await exports.read(operation)),
    });
  }

  async function deleteUser(ctx: RouteContext): Promise<void> {
    const user = userForApp(ctx, ctx.params[0] ?? '', 'active');
    await directory.update((state) => {
      user.status = 'deleted';
      user.deletedAt = directory.now().toISOString();
      forgetCachedTokens(state, user.id);
      forgetMagicCodes(state, user.id);
    });
    await exports.closeUser(user.id);
    logger.info(`user "${user.id}" moved to deleted items`);
    sendEmpty(ctx, 204);
  }

  async function purgeDeletedItem(ctx: RouteContext): Promise<void> {
    const user = userForApp(ctx, ctx.params[0] ?? '', 'deleted');
    await directory.update((state) => {
      state.users = state.users.filter((u) => u.id !== user.id);
      for (const [key, grant] of Object.entries(state.tokens)) if (grant.userId === user.id) delete state.tokens[key];
      // Only for the sign-in page's wording ("has been closed"), and only as a keyed hash; Graph forgets the user.
      rememberPurgedSignInName(state, user.upn, directory.now().toISOString());
    });
    logger.info(`user "${user.id}" permanently deleted`);
    sendEmpty(ctx, 204);
  }

  return [
    { method: 'GET', pattern: /^\/graph\/v1\.0\/me$/, handle: me },
    { method: 'GET', pattern: /^\/graph\/v1\.0\/organization$/, handle: organization },
    { method: 'GET', pattern: new RegExp(`^/graph/v1\\.0/users/${ID}$`), handle: getUser },
    { method: 'DELETE', pattern: new RegExp(`^/graph/v1\\.0/users/${ID}$`), handle: deleteUser },
    { method: 'POST', pattern: new RegExp(`^/graph/v1\\.0/users/${ID}/exportPersonalData$`), handle: exportPersonalData },
    { method: 'GET', pattern: new RegExp(`^/graph/v1\\.0/dataPolicyOperations/${ID}$`), handle: dataPolicyOperation },
    { method: 'DELETE', pattern: new RegExp(`^/graph/v1\\.0/directory/deletedItems/${ID}$`), handle: purgeDeletedItem },
  ];
}

function parseSelect(raw: string | null): string[] {
  if (raw === null || raw.trim() === '') return DEFAULT_SELECT;
  return raw.split(',').map((name) => {
    const canonical = USER_PROPERTIES.find((p) => p.toLowerCase() === name.trim().toLowerCase());
    if (!canonical) throw graphErrors.badRequest(`Could not find a property named '${name.trim()}' on type 'microsoft.graph.user'.`);
    return canonical;
  });
}

function parseExportBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw graphErrors.badRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const storageLocation = (body as { storageLocation?: unknown } | null)?.storageLocation;
  if (typeof storageLocation !== 'string' || !URL.canParse(storageLocation)) {
    throw graphErrors.badRequest("Invalid request: 'storageLocation' must be an absolute URL of a storage container.");
  }
  return storageLocation;
}
