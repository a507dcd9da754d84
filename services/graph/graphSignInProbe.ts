import type { AccountSignInProbe, SignInEvidence } from '../handOff/signInEvidence';
import type { HttpClient } from '../http/httpClient';
import { isHttpError } from '../http/httpError';
import type { Logger } from '../logger';
import { graphUrl } from './graphSupport';
import { tokenClaims } from './tokenClaims';

/**
 * Asks Graph `/me` (https://learn.microsoft.com/graph/api/user-get) with the account's own delegated token whether
 * the account still signs in. Microsoft does not document what `/me` answers for an unexpired token of a deleted
 * account, so only two answers count: 200 with this account's id ("open") and 404 `Request_ResourceNotFound`, the
 * directory's own "this object does not exist", as Graph answers for a deleted user's `/users/{id}` ("gone"). A 401
 * can mean expiry or revocation as much as deletion and is never read as "closed".
 */
export class GraphSignInProbe implements AccountSignInProbe {
  private readonly logger: Logger;

  constructor(private readonly options: { readonly http: HttpClient; readonly graphBaseUrl: string; readonly logger: Logger }) {
    this.logger = options.logger;
  }

  async probe(userToken: string | undefined, account: { readonly objectId: string; readonly tenantId: string }): Promise<SignInEvidence> {
    if (!userToken) return { kind: 'unknown', reason: 'noToken' };
    const claims = tokenClaims(userToken);
    if (!claims?.oid || !claims.tid) return { kind: 'unknown', reason: 'unreadable' };
    if (claims.oid.toLowerCase() !== account.objectId.toLowerCase() || claims.tid.toLowerCase() !== account.tenantId.toLowerCase()) {
      return { kind: 'unknown', reason: 'otherAccount' };
    }
    try {
      const response = await this.options.http.request({
        method: 'GET',
        url: graphUrl(this.options.graphBaseUrl, '/v1.0/me?$select=id'),
        headers: { authorization: `Bearer ${userToken}` },
        operation: 'graph.probeMe',
        idempotent: true,
      });
      const id = (response.body as { id?: unknown } | undefined)?.id;
      return typeof id === 'string' && id.toLowerCase() === account.objectId.toLowerCase()
        ? { kind: 'open' }
        : { kind: 'unknown', reason: 'otherAccount' };
    } catch (error) {
      if (isHttpError(error, 404)) return { kind: 'gone' };
      const reason = isHttpError(error, 401) ? 'tokenRefused' : 'unavailable';
      this.logger.info('the sign-in probe got no evidence', { reason, objectId: account.objectId, error });
      return { kind: 'unknown', reason };
    }
  }
}
