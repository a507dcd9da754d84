import type { AccountCloser, CloseOptions, CloseOutcome, HandOffReason } from '../../services/accountCloser';
import { AppError } from '../../services/errors';
import type { AppCredentialProvider } from '../credentials/appCredentials';
import type { HttpClient } from '../http/httpClient';
import { isHttpError } from '../http/httpError';
import type { VerifiedIdentity } from '../../services/identity';
import type { Logger } from '../../services/logger';
import { clientRequestIdFor, graphUrl, GUID_PATTERN, wrapGraphFailure } from './graphSupport';
import { tokenClaims } from './tokenClaims';

export interface GraphAccountCloserOptions {
  readonly http: HttpClient;
  readonly credentials: AppCredentialProvider;
  readonly graphBaseUrl: string;
  /** App token scope; `graphScopeFor(graphBaseUrl)` in practice. */
  readonly scope: string;
  /** Where the user finishes when the bot may not close the account itself. */
  readonly portalUrl: string;
  readonly logger: Logger;
}

type CallResult = 'done' | 'notFound' | 'forbidden';

/**
 * Closes an account with the app's own token in the user's tenant (`CLOSURE=graph`, opt-in: it needs
 * User.ReadWrite.All and User.DeleteRestore.All consented in that tenant; docs/deploy.md). In order:
 * 1. an app token for the user's tenant; any failure (e.g. AADSTS7000229, no service principal there) is a hand-off;
 * 2. the token's `tid` must be the user's tenant: a managed identity's token is for its home tenant, where Graph
 *    answers 404 for a user of another tenant, which must never read as "already deleted";
 * 3. `GET /users/{id}` must find the user in that tenant (https://learn.microsoft.com/graph/api/user-get);
 *    404 is "already gone" only if this request's own delete was sent before, else a hand-off; 403 a hand-off;
 * 4. the delete is recorded on the request, then sent (https://learn.microsoft.com/graph/api/user-delete);
 * 5. the purge from deleted items, best effort (https://learn.microsoft.com/graph/api/directory-deleteditems-delete).
 */
export class GraphAccountCloser implements AccountCloser {
  private readonly logger: Logger;

  constructor(private readonly options: GraphAccountCloserOptions) {
    this.logger = options.logger;
  }

  async close(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: CloseOptions): Promise<CloseOutcome> {
    const { objectId, tenantId } = identity;
    const { requestId, deleteSent = false } = options;
    if (!GUID_PATTERN.test(objectId) || !GUID_PATTERN.test(tenantId)) {
      throw new AppError('CLOSE_FAILED', `refusing to close: object id or tenant id is not a GUID (request "${requestId}")`);
    }
    const fields = { requestId, objectId, tenantId };
    const handOff = (reason: HandOffReason, why: string, error?: unknown): CloseOutcome => {
      this.logger.warn(`handing off to the portal: ${why}`, { ...fields, reason, ...(error ? { error } : {}) });
      return { kind: 'handedOff', portalUrl: this.options.portalUrl, reason };
    };

    let token: string;
    try {
      token = await this.options.credentials.getToken(tenantId, this.options.scope);
    } catch (error) {
      // After our delete went out the outcome is unknown, not refused: stay for the reconciler.
      if (deleteSent)
        throw new AppError(
          'DIRECTORY_UNAVAILABLE',
          `no app token for tenant "${tenantId}" after the delete was sent (request "${requestId}")`,
          { cause: error },
        );
      return handOff('noAppToken', "no app token for the user's tenant", error);
    }
    const tokenTenant = tokenClaims(token)?.tid;
    if (tokenTenant?.toLowerCase() !== tenantId.toLowerCase()) {
      if (deleteSent)
        throw new AppError(
          'DIRECTORY_UNAVAILABLE',
          `app token is for tenant "${tokenTenant ?? 'unknown'}" after the delete was sent (request "${requestId}")`,
        );
      return handOff('otherTenant', `the app token is for tenant "${tokenTenant ?? 'unknown'}", not the user's`);
    }

    const found = await this.call(token, {
      method: 'GET',
      operation: 'graph.getUser',
      path: `/v1.0/users/${objectId}?$select=id`,
      requestId,
      step: 'find',
    });
    if (found === 'forbidden') return handOff('forbidden', 'Graph refused to read the user');
    if (found === 'notFound' && !deleteSent)
      return handOff('userNotFound', "the user's tenant does not know the user, and this request sent no delete");
    if (found === 'done') {
      await options.recordDeleteSent?.();
      const soft = await this.call(token, {
        method: 'DELETE',
        operation: 'graph.deleteUser',
        path: `/v1.0/users/${objectId}`,
        requestId,
        step: 'delete',
      });
      if (soft === 'forbidden') return handOff('forbidden', 'Graph refused the delete');
      this.logger.info(soft === 'done' ? 'user deleted' : 'user was already deleted', { ...fields, step: 'delete', result: soft });
    } else {
      this.logger.info('user was already deleted by this request', { ...fields, step: 'delete', result: 'alreadyGone' });
    }

    // The user is gone from the directory from here on. Permanent removal is best effort: a soft-deleted user can no
    // longer sign in and Entra purges it after 30 days, so a failure here must not report "not closed".
    try {
      const hard = await this.call(token, {
        method: 'DELETE',
        operation: 'graph.purgeDeletedUser',
        path: `/v1.0/directory/deletedItems/${objectId}`,
        requestId,
        step: 'purge',
      });
      // "Not found" right after our own delete: purged by an earlier attempt of this request (or not yet replicated).
      this.logger.info(hard === 'done' ? 'user permanently deleted' : 'user was not in deleted items', {
        ...fields,
        step: 'purge',
        result: hard,
      });
    } catch (error) {
      this.logger.error('user deleted, but permanent deletion failed; Entra purges it after 30 days', { ...fields, step: 'purge', error });
    }
    return { kind: 'closed' };
  }

  private async call(
    token: string,
    call: { method: 'GET' | 'DELETE'; operation: string; path: string; requestId: string; step: string },
  ): Promise<CallResult> {
    try {
      await this.options.http.request({
        method: call.method,
        url: graphUrl(this.options.graphBaseUrl, call.path),
        headers: { authorization: `Bearer ${token}`, 'client-request-id': clientRequestIdFor(call.requestId, call.step) },
        operation: call.operation,
        idempotent: true,
      });
      return 'done';
    } catch (error) {
      if (isHttpError(error, 404)) return 'notFound';
      if (isHttpError(error, 403)) return 'forbidden';
      const transient = isHttpError(error) && (error.status === undefined || error.status === 429 || error.status >= 500);
      throw wrapGraphFailure(
        error,
        transient ? 'DIRECTORY_UNAVAILABLE' : 'CLOSE_FAILED',
        `${call.operation} (request "${call.requestId}")`,
      );
    }
  }
}
