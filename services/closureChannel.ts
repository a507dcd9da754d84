import type { HandOffReason } from './accountCloser';
import type { ClosureRequest } from './closureRequest';
import type { RejectionReason } from './closureService';
import type { AppError } from './errors';

// The closure workflow's port to the chat (services/closureWorkflow.ts, closureSettling.ts): what a requester is told
// and the four things a channel does for a conversation, implemented once in bot/botClosureChannel.ts.

/** An opaque conversation reference, as the channel stored it on the request (the channel alone reads it). */
export type ConversationAddress = Readonly<Record<string, unknown>>;

/** What the requester is told: typed outcomes the channel renders, never strings parsed back. */
export type ClosureNotice =
  /** `upn` is known only in the requester's own turn; `signedOut` is whether the sign-out went through. */
  | { readonly kind: 'closed'; readonly requestId: string; readonly closedAt: Date; readonly upn?: string; readonly signedOut: boolean }
  /** `upn`, known only in the requester's own turn, names the account on the hand-off card. */
  | {
      readonly kind: 'handedOff';
      readonly requestId: string;
      readonly portalUrl: string;
      readonly reason: HandOffReason;
      readonly upn?: string;
    }
  | { readonly kind: 'notEligible'; readonly requestId: string; readonly verdict: 'managed' | 'notWorkOrSchool' }
  | { readonly kind: 'failed'; readonly requestId: string; readonly error: AppError }
  | { readonly kind: 'stillClosing'; readonly requestId: string }
  /** The delete was sent and not confirmed yet: checked again on every pass; the end is told when known. */
  | { readonly kind: 'outcomeUnknown'; readonly requestId: string }
  /** The account was closed from another chat (another request, or a hand-off verified closed). */
  | { readonly kind: 'closedElsewhere'; readonly requestId: string }
  /** The Yes could not be recorded (storage); `certain` when it surely was not (then nothing is owed for it). */
  | { readonly kind: 'notRecorded'; readonly requestId: string; readonly certain: boolean }
  | { readonly kind: 'declined'; readonly requestId: string }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason };

/**
 * The channel side of the workflow, implemented in `bot/`: four things a channel can do for a conversation.
 * `conversation` undefined means the conversation the current press arrived in.
 */
export interface ClosureChannel {
  send(notice: ClosureNotice, conversation?: ConversationAddress): Promise<void>;
  /** Shows the request's current state on its card where cards can be updated (Teams); elsewhere nothing. */
  updateCard(request: ClosureRequest, conversation: ConversationAddress): Promise<void>;
  /** Signs the requester out of the bot's OAuth connection (the token service forgets their token). */
  signOut(conversation: ConversationAddress): Promise<void>;
  /**
   * Deletes the requester's conversation state in that conversation (dialog stack, progress, cards), keeping only
   * the ended request's id, so the old cards there answer with its outcome.
   */
  forgetConversation(conversation: ConversationAddress, endedRequestId: string): Promise<void>;
  /**
   * A conversation at the export offer for an account closed elsewhere: deletes its state and tells it so, only
   * if the state still holds a flow of that account (never a newer, unrelated one). Returns whether it did.
   */
  forgetFlow(conversation: ConversationAddress, account: { readonly objectId: string; readonly tenantId: string }): Promise<boolean>;
}
