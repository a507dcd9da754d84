import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { ClosureMode } from '../cards/renderCard';
import type { AccountDirectory } from '../services/accountDirectory';
import type { AuditTrail } from '../services/auditTrail';
import type { ClosureService } from '../services/closureService';
import type { ClosureChannel } from '../services/closureChannel';
import type { ClosureWorkflow } from '../services/closureWorkflow';
import type { ExportService } from '../services/exportService';
import type { Logger } from '../services/logger';
import type { UserRealm } from '../services/userRealm';
import type { ConversationProgress } from '../conversation/progress';

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
