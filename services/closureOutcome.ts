import type { HandOffReason } from './accountCloser';
import type { ClosureRequest, ClosureStatus } from './closureRequest';
import { AppError, ErrorCatalogue, type ErrorCode } from './errors';

/** Why a press was refused; each has its own sentence for the user (dialogs/messages.ts). */
export type RejectionReason =
  | 'unknownRequest'
  | 'notRequester'
  | 'otherConversation'
  | 'differentAccount'
  | 'badNonce'
  | 'expired'
  | 'alreadyClosed'
  | 'alreadyHandedOff'
  | 'inProgress'
  | 'cancelled'
  | 'failedBefore'
  | 'closedByAnotherRequest';

export type ConfirmResult =
  | { readonly kind: 'closed'; readonly requestId: string; readonly closedAt: Date }
  | { readonly kind: 'handedOff'; readonly requestId: string; readonly portalUrl: string; readonly reason: HandOffReason }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason }
  | { readonly kind: 'notEligible'; readonly requestId: string; readonly verdict: 'managed' | 'notWorkOrSchool' }
  /** Nothing was closed; `errorCode` says why (e.g. the realm could not confirm). */
  | { readonly kind: 'failed'; readonly requestId: string; readonly error: AppError }
  /** The directory did not answer; the closure is finished in the background and the user is told. */
  | { readonly kind: 'stillClosing'; readonly requestId: string };

export type DeclineResult = { readonly kind: 'declined' } | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/** The result a finished request stands for, to tell its requester (in their turn or in the background). */
export function outcomeOf(request: ClosureRequest): ConfirmResult {
  const { requestId, errorCode = '' } = request;
  switch (request.status) {
    case 'closed':
      return { kind: 'closed', requestId, closedAt: new Date(request.closedAt ?? request.updatedAt) };
    case 'handedOff':
      return { kind: 'handedOff', requestId, portalUrl: request.portalUrl ?? '', reason: request.handOffReason ?? 'configured' };
    default: {
      if (errorCode.startsWith('noLongerEligible:'))
        return { kind: 'notEligible', requestId, verdict: errorCode.endsWith('managed') ? 'managed' : 'notWorkOrSchool' };
      if (errorCode === 'closedByAnotherRequest') return { kind: 'rejected', reason: 'closedByAnotherRequest' };
      const code: ErrorCode = errorCode in ErrorCatalogue ? (errorCode as ErrorCode) : 'CLOSE_FAILED';
      return { kind: 'failed', requestId, error: new AppError(code, `request "${requestId}" ended as failed`) };
    }
  }
}

export function statusRejection(status: ClosureStatus): RejectionReason {
  switch (status) {
    case 'closed':
      return 'alreadyClosed';
    case 'handedOff':
      return 'alreadyHandedOff';
    case 'confirmed':
    case 'closing':
      return 'inProgress';
    case 'cancelled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'failed':
      return 'failedBefore';
    case 'pending':
      return 'inProgress';
  }
}
