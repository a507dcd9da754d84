import type { TurnContext } from 'botbuilder';
import type { ProgressStep } from './messages';

/** Where the user is in the conversation, for help and cancel; kept in per-user conversation state. */
export interface ConversationProgress {
  step?: ProgressStep;
  /** The pending closure request of this user in this conversation, if a warning card is out. */
  requestId?: string;
  /** The signed-in account (ids only) while the export offer waits: "cancel" checks its record before saying "nothing was closed". */
  account?: { objectId: string; tenantId: string };
  /** When the export this user asked for here was requested (ISO), while no flow runs: "help" mentions it. */
  exportRequestedAt?: string;
  /**
   * The request this conversation's last flow ended with (its id only: the rest is forgotten at the end), so a
   * press of one of its old cards, which web chat and the Emulator cannot update, is told how it ended.
   */
  endedRequestId?: string;
}

/** Set on `turnState` when the user's personal data must be dropped from the bot's stores at the end of the turn. */
export const FORGET_USER_KEY = Symbol('forgetUser');

export function markForgetUser(context: TurnContext): void {
  context.turnState.set(FORGET_USER_KEY, true);
}

/**
 * Set with `FORGET_USER_KEY` when this turn's own state key was already deleted from storage (the workflow's settle
 * in the requester's turn): the turn then neither saves nor deletes it again (one storage request fewer per
 * closure, issue 22).
 */
export const STATE_DELETED_KEY = Symbol('stateDeleted');

export function markStateDeleted(context: TurnContext): void {
  markForgetUser(context);
  context.turnState.set(STATE_DELETED_KEY, true);
}
