import type { AccountCloser, CloseOutcome } from '../../services/accountCloser';
import type { VerifiedIdentity } from '../../services/identity';
import type { Logger } from '../../services/logger';

export interface PortalHandOffCloserOptions {
  /** Microsoft's self-service page where the user closes the account themselves ("My data requests" / "Close account"). */
  readonly portalUrl: string;
  readonly logger: Logger;
}

/**
 * The closer for deployments that do not hold Graph delete permissions (`CLOSURE=portal`): it changes nothing and
 * sends the user to Microsoft's own page, the flow the bot mirrors.
 */
export class PortalHandOffCloser implements AccountCloser {
  private readonly logger: Logger;

  constructor(private readonly options: PortalHandOffCloserOptions) {
    this.logger = options.logger;
  }

  async close(identity: Pick<VerifiedIdentity, 'objectId' | 'tenantId'>, options: { readonly requestId: string }): Promise<CloseOutcome> {
    this.logger.info('closure handed off to the portal by configuration', {
      requestId: options.requestId,
      objectId: identity.objectId,
      tenantId: identity.tenantId,
    });
    return { kind: 'handedOff', portalUrl: this.options.portalUrl, reason: 'configured' };
  }
}
