import type { HandOffReason } from './accountCloser';
import type { ClosureRequest, ClosureStatus } from './closureRequest';
import { AppError } from './errors';

/** Why a press was refused; each has its own sentence for the user (conversation/messages.ts). */
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
  | 'closedByAnotherRequest'
  /** The account was closed from another chat (another request, or a hand-off verified closed). */
  | 'closedElsewhere'
  /** A delete was sent for that request and its outcome is not confirmed yet. */
  | 'outcomeUnknown';

export type ConfirmResult =
  | { readonly kind: 'closed'; readonly requestId: string; readonly closedAt: Date }
  | { readonly kind: 'handedOff'; readonly requestId: string; readonly portalUrl: string; readonly reason: HandOffReason }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason }
  | { readonly kind: 'notEligible'; readonly requestId: string; readonly verdict: 'managed' | 'notWorkOrSchool' }
  /** Nothing was closed; `errorCode` says why (e.g. the realm could not confirm). */
  | { readonly kind: 'failed'; readonly requestId: string; readonly error: AppError }
  /** The directory did not answer; the closure is finished in the background and the user is told. */
  | { readonly kind: 'stillClosing'; readonly requestId: string }
  /** The delete was sent and never confirmed: checked again on every pass until the directory says it is gone. */
  | { readonly kind: 'outcomeUnknown'; readonly requestId: string }
  /**
   * The Yes could not be recorded (storage did not answer). `certain`: it surely was not (nothing is owed and
   * nothing was closed by it); otherwise it may have been, and then the record owes the outcome.
   */
  | { readonly kind: 'notRecorded'; readonly requestId: string; readonly certain: boolean }
  /** This request ended because the account was closed by another request (another chat) or a verified hand-off. */
  | { readonly kind: 'closedElsewhere'; readonly requestId: string };

export type DeclineResult = { readonly kind: 'declined' } | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/** The result a finished request stands for, to tell its requester (in their turn or in the background). */
export function outcomeOf(request: ClosureRequest): ConfirmResult {
  const { requestId } = request;
  switch (request.status) {
    case 'closed':
      return { kind: 'closed', requestId, closedAt: new Date(request.closedAt ?? request.updatedAt) };
    case 'handedOff':
      return { kind: 'handedOff', requestId, portalUrl: request.portalUrl ?? '', reason: request.handOffReason ?? 'configured' };
    case 'closedElsewhere':
      return { kind: 'closedElsewhere', requestId };
    case 'outcomeUnknown':
      return { kind: 'outcomeUnknown', requestId };
    case 'pending':
    case 'confirmed':
    case 'closing':
      return { kind: 'stillClosing', requestId };
    case 'cancelled':
      return { kind: 'rejected', reason: 'cancelled' };
    case 'expired':
      return { kind: 'rejected', reason: 'expired' };
    case 'failed':
      return failedOutcome(request);
  }
}

function failedOutcome(request: ClosureRequest): ConfirmResult {
  const { requestId, failure } = request;
  switch (failure?.kind) {
    case 'notEligible':
      return { kind: 'notEligible', requestId, verdict: failure.verdict };
    case 'lostToAnotherRequest':
      return { kind: 'rejected', reason: 'closedByAnotherRequest' };
    case 'error':
      return { kind: 'failed', requestId, error: new AppError(failure.code, `request "${requestId}" ended as failed`) };
    case undefined:
      // A record from before failures were typed: the catalogue's generic "not closed" error.
      return { kind: 'failed', requestId, error: new AppError('CLOSE_FAILED', `request "${requestId}" ended as failed`) };
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
    case 'outcomeUnknown':
      return 'outcomeUnknown';
    case 'closedElsewhere':
      return 'closedElsewhere';
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
