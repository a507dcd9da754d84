import type { AccountCloser, CloseOutcome } from '../accountCloser';
import { AppError } from '../errors';
import type { AppCredentialProvider } from '../credentials/appCredentials';
import type { HttpClient } from '../http/httpClient';
import { isHttpError } from '../http/httpError';
import type { VerifiedIdentity } from '../identity';
import type { Logger } from '../logger';
import { clientRequestIdFor, graphUrl, GUID_PATTERN, wrapGraphFailure } from './graphSupport';

export interface GraphAccountCloserOptions {
  readonly http: HttpClient;
  readonly credentials: AppCredentialProvider;
  readonly graphBaseUrl: string;
  /** App token scope; `graphScopeFor(graphBaseUrl)` in practice. */
  readonly scope: string;
  readonly logger: Logger;
}

type DeleteResult = 'deleted' | 'alreadyGone';

/**
 * Closes an account with the app's own token in the user's tenant: delete the user
 * (https://learn.microsoft.com/graph/api/user-delete), then remove it from the recycle bin for good
 * (https://learn.microsoft.com/graph/api/directory-deleteditems-delete). Idempotent per `requestId`: both steps
 * treat "not found" as done, so a retry after a lost answer, a crash or a reset connection ends in `closed` once.
 */
export class GraphAccountCloser implements AccountCloser {
  private readonly logger: Logger;

  constructor(private readonly options: GraphAccountCloserOptions) {
    this.logger = options.logger.child('graph:closer');
  }

  async close(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<CloseOutcome> {
    const { objectId, tenantId } = identity;
    const { requestId } = options;
    if (!GUID_PATTERN.test(objectId) || !GUID_PATTERN.test(tenantId)) {
      throw new AppError('CLOSE_FAILED', `refusing to close: object id or tenant id is not a GUID (request "${requestId}")`);
    }
    const token = await this.appToken(tenantId, requestId);
    const fields = { requestId, objectId, tenantId };

    const soft = await this.deleteOnce(token, { operation: 'graph.deleteUser', path: `/v1.0/users/${objectId}`, requestId, step: 'delete' });
    this.logger.info(soft === 'deleted' ? 'user deleted' : 'user was already deleted', { ...fields, step: 'delete', result: soft });

    // The user is gone from the directory from here on. Permanent removal is best effort: a soft-deleted user can no
    // longer sign in and Entra purges it after 30 days, so a failure here must not report "not closed".
    try {
      const hard = await this.deleteOnce(token, { operation: 'graph.purgeDeletedUser', path: `/v1.0/directory/deletedItems/${objectId}`, requestId, step: 'purge' });
      // "Not found" right after our own delete: purged by an earlier attempt of this request (or not yet replicated).
      this.logger.info(hard === 'deleted' ? 'user permanently deleted' : 'user was not in deleted items', { ...fields, step: 'purge', result: hard });
    } catch (error) {
      this.logger.error('user deleted, but permanent deletion failed; Entra purges it after 30 days', { ...fields, step: 'purge', error });
    }
    return { kind: 'closed' };
  }

  private async appToken(tenantId: string, requestId: string): Promise<string> {
    try {
      return await this.options.credentials.getToken(tenantId, this.options.scope);
    } catch (error) {
      throw new AppError('DIRECTORY_UNAVAILABLE', `no app token for tenant "${tenantId}" (request "${requestId}")`, { cause: error });
    }
  }

  private async deleteOnce(token: string, call: { operation: string; path: string; requestId: string; step: string }): Promise<DeleteResult> {
    try {
      await this.options.http.request({
        method: 'DELETE',
        url: graphUrl(this.options.graphBaseUrl, call.path),
        headers: { authorization: `Bearer ${token}`, 'client-request-id': clientRequestIdFor(call.requestId, call.step) },
        operation: call.operation,
        idempotent: true,
      });
      return 'deleted';
    } catch (error) {
      if (isHttpError(error, 404)) return 'alreadyGone';
      if (isHttpError(error, 403)) {
        throw new AppError('CLOSE_FORBIDDEN', `Graph refused ${call.operation} (request "${call.requestId}", code "${error.serviceCode ?? ''}")`, { cause: error });
      }
      const transient = isHttpError(error) && (error.status === undefined || error.status === 429 || error.status >= 500);
      throw wrapGraphFailure(error, transient ? 'DIRECTORY_UNAVAILABLE' : 'CLOSE_FAILED', `${call.operation} (request "${call.requestId}")`);
    }
  }
}
