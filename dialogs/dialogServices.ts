import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ClosureMode } from '../cards/renderCard';
import type { AccountDirectory } from '../services/accountDirectory';
import type { AuditTrail } from '../services/auditTrail';
import type { ClosureService } from '../services/closureService';
import type { ClosureChannel, ClosureWorkflow } from '../services/closureWorkflow';
import type { ExportService } from '../services/exportService';
import type { Logger } from '../services/logger';
import type { UserRealm } from '../services/userRealm';
import type { ProgressStep } from '../conversation/messages';

/** Where the user is in the conversation, for help and cancel; kept in per-user conversation state. */
export interface ConversationProgress {
  step?: ProgressStep;
  /** The pending closure request of this user in this conversation, if a warning card is out. */
  requestId?: string;
  /** The signed-in account (ids only) while the export offer waits: "cancel" checks its record before saying "nothing was closed". */
  account?: { objectId: string; tenantId: string };
  /** When the export this user asked for here was requested (ISO), while no flow runs: "help" mentions it. */
  exportRequestedAt?: string;
}

/** Everything the dialogs need, handed in by the composition root. */
export interface DialogServices {
  readonly directory: AccountDirectory;
  readonly realm: UserRealm;
  readonly closure: ClosureService;
  /** Everything after a decision (close, tell, forget, update the card) goes through the workflow. */
  readonly workflow: ClosureWorkflow;
  /** The workflow's channel port for this turn (bot/botClosureChannel.ts). */
  readonly closureChannel: (context: TurnContext) => ClosureChannel;
  readonly exports: ExportService;
  readonly audit: AuditTrail;
  readonly hashUpn: (upn: string) => string;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Name of the OAuth connection (Azure Bot) or of the sandbox token service's connection. */
  readonly connectionName: string;
  /** Sign-in prompt time-out. */
  readonly signInTimeoutMs: number;
  readonly progress: StatePropertyAccessor<ConversationProgress>;
  /** Which closure this deployment performs (CLOSURE): what the cards and help say pressing does follows it. */
  readonly closureMode: ClosureMode;
  /** Microsoft's "My data requests" page (the sandbox's stand-in locally): where an export is handed off to. */
  readonly portalUrl: string;
  /** Whether a handed-off request's closure has since been verified: an old press of its cards is told so. */
  readonly handOffVerified: (requestId: string) => Promise<boolean>;
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
