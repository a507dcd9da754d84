import type { AccountCloser, CloseOutcome } from '../accountCloser';
import { isAppError } from '../errors';
import type { VerifiedIdentity } from '../identity';
import type { Logger } from '../logger';

export interface ForbiddenFallbackCloserOptions {
  readonly inner: AccountCloser;
  /** Where the user finishes instead. */
  readonly portalUrl: string;
  readonly logger: Logger;
}

/**
 * When the directory refuses the bot (`CLOSE_FORBIDDEN`: no consent or role in that tenant, which is common in
 * unmanaged organizations, where nobody can grant admin consent), the user can still close the account on
 * Microsoft's page. Every other failure passes through unchanged.
 */
export class ForbiddenFallbackCloser implements AccountCloser {
  private readonly logger: Logger;

  constructor(private readonly options: ForbiddenFallbackCloserOptions) {
    this.logger = options.logger.child('portal:forbiddenFallback');
  }

  async close(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<CloseOutcome> {
    try {
      return await this.options.inner.close(identity, options);
    } catch (error) {
      if (!isAppError(error, 'CLOSE_FORBIDDEN')) throw error;
      this.logger.warn('the directory refused to close the account; handing off to the portal', {
        requestId: options.requestId,
        objectId: identity.objectId,
        tenantId: identity.tenantId,
        error,
      });
      return { kind: 'handedOff', portalUrl: this.options.portalUrl, reason: 'forbidden' };
    }
  }
}
