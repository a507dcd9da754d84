import type { AccountSignInProbe, SignInEvidence, UnknownEvidenceReason } from '../../services/handOff/signInEvidence';
import type { HttpClient } from '../http/httpClient';
import { isHttpError } from '../http/httpError';
import type { Logger } from '../../services/logger';
import { graphUrl } from './graphSupport';
import { tokenClaims } from './tokenClaims';

/**
 * Asks Graph `/me` (https://learn.microsoft.com/graph/api/user-get) with the account's own delegated token whether
 * the account still signs in. Microsoft does not document what `/me` answers for an unexpired token of a deleted
 * account, so only two answers count: 200 with this account's id ("open") and 404 whose Graph error body says
 * `error.code` `Request_ResourceNotFound`, the directory's own "this object does not exist", as Graph answers for a
 * deleted user's `/users/{id}` ("gone"; Graph's error shape:
 * https://learn.microsoft.com/graph/errors). Anything else is no evidence: a 404 from a proxy or gateway (an HTML
 * page, or JSON with another code such as `UnknownError`), a 401 (expiry or revocation as much as deletion), a 403,
 * a 5xx, or a 200 that names no account.
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
      if (typeof id !== 'string') return this.noEvidence('unrecognizedAnswer', account, undefined);
      return id.toLowerCase() === account.objectId.toLowerCase() ? { kind: 'open' } : { kind: 'unknown', reason: 'otherAccount' };
    } catch (error) {
      if (isHttpError(error, 404) && error.serviceCode === GRAPH_NOT_FOUND) return { kind: 'gone' };
      return this.noEvidence(reasonOf(error), account, error);
    }
  }

  private noEvidence(reason: UnknownEvidenceReason, account: { readonly objectId: string }, error: unknown): SignInEvidence {
    this.logger.info('the sign-in probe got no evidence', { reason, objectId: account.objectId, error });
    return { kind: 'unknown', reason };
  }
}

/** Graph's `error.code` for "this object does not exist": the only 404 that is evidence of a closed account. */
const GRAPH_NOT_FOUND = 'Request_ResourceNotFound';

/** Why an answer other than the two that count is no evidence; each has its own true sentence for the user. */
function reasonOf(error: unknown): UnknownEvidenceReason {
  if (!isHttpError(error) || error.kind !== 'status' || error.status === undefined) return 'unavailable';
  if (error.status === 401) return 'tokenRefused';
  if (error.status >= 500 || error.status === 429) return 'unavailable';
  // A 404 without Graph's code (a proxy's page, `UnknownError`), a 403, or another 4xx: an answer, but not one
  // that says whether the account exists.
  return 'unrecognizedAnswer';
}
