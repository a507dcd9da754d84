import type { AccountDirectory } from '../../services/accountDirectory';
import { AppError } from '../../services/errors';
import type { HttpClient } from '../http/httpClient';
import { isHttpError } from '../http/httpError';
import type { VerifiedIdentity } from '../../services/identity';
import type { Logger } from '../../services/logger';
import { graphUrl, GUID_PATTERN, wrapGraphFailure } from './graphSupport';

export interface GraphAccountDirectoryOptions {
  readonly http: HttpClient;
  /** `https://graph.microsoft.com` or the sandbox's Graph base URL. */
  readonly graphBaseUrl: string;
  readonly logger: Logger;
}

/**
 * Who a delegated token proves to be: `GET /me` and `GET /organization` with the user's own token
 * (https://learn.microsoft.com/graph/api/user-get, https://learn.microsoft.com/graph/api/organization-get).
 * The answer is checked field by field: an identity built from a half-understood answer could close the wrong account.
 */
export class GraphAccountDirectory implements AccountDirectory {
  private readonly logger: Logger;

  constructor(private readonly options: GraphAccountDirectoryOptions) {
    this.logger = options.logger;
  }

  async whoAmI(userToken: string): Promise<VerifiedIdentity> {
    const headers = { authorization: `Bearer ${userToken}` };
    const get = (operation: string, path: string) =>
      this.options.http.request({ method: 'GET', url: graphUrl(this.options.graphBaseUrl, path), headers, operation, idempotent: true });
    let me: unknown;
    let organization: unknown;
    try {
      [me, organization] = await Promise.all([
        get('graph.getMe', '/v1.0/me?$select=id,userPrincipalName,displayName').then((response) => response.body),
        get('graph.getOrganization', '/v1.0/organization?$select=id,displayName').then((response) => response.body),
      ]);
    } catch (error) {
      if (isHttpError(error, 401)) {
        this.logger.info('the directory did not accept the user token', {
          status: 401,
          errorCode: error.serviceCode,
          requestId: error.requestId,
        });
        throw new AppError('SIGN_IN_REJECTED', `Graph answered 401 to ${error.operation}`, { cause: error });
      }
      throw wrapGraphFailure(error, 'DIRECTORY_UNAVAILABLE', 'reading the signed-in user');
    }
    const user = readUser(me);
    const organizationOf = readOrganization(organization);
    // Self-service organizations may have no display name; the user's domain names it for the reader.
    return { ...user, ...organizationOf, organizationName: organizationOf.organizationName || user.upn.slice(user.upn.indexOf('@') + 1) };
  }
}

function readUser(body: unknown): Pick<VerifiedIdentity, 'objectId' | 'upn' | 'displayName'> {
  const user = asRecord(body);
  const { id, userPrincipalName, displayName } = user ?? {};
  if (typeof id !== 'string' || !GUID_PATTERN.test(id)) throw malformed('/me has no user id');
  if (typeof userPrincipalName !== 'string' || !userPrincipalName.includes('@')) throw malformed('/me has no user principal name');
  // Graph may return a null displayName for accounts created without one; the address is then the name.
  if (displayName !== null && displayName !== undefined && typeof displayName !== 'string') throw malformed('/me displayName is not text');
  return { objectId: id.toLowerCase(), upn: userPrincipalName, displayName: displayName || userPrincipalName };
}

function readOrganization(body: unknown): Pick<VerifiedIdentity, 'tenantId' | 'organizationName'> {
  const value = asRecord(body)?.value;
  // A user token sees exactly its own home organization.
  if (!Array.isArray(value) || value.length !== 1) throw malformed('/organization does not list exactly one organization');
  const { id, displayName } = asRecord(value[0]) ?? {};
  if (typeof id !== 'string' || !GUID_PATTERN.test(id)) throw malformed('/organization has no tenant id');
  if (displayName !== null && displayName !== undefined && typeof displayName !== 'string')
    throw malformed('/organization displayName is not text');
  return { tenantId: id.toLowerCase(), organizationName: displayName || '' };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function malformed(what: string): AppError {
  return new AppError('DIRECTORY_UNAVAILABLE', `unexpected answer from Graph: ${what}`);
}
