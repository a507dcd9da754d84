import type { PrivateConversationState, TurnContext } from 'botbuilder';
import type { BotConfig } from '../config/config';
import type { ConversationProgress } from '../conversation/progress';
import type { ClosureChannel } from '../services/closureChannel';
import type { AuditTrail } from '../services/auditTrail';
import type { Adapters } from '../adapters/createAdapters';
import type { Services } from '../services/createServices';
import type { Logger } from '../services/logger';
import { MainDialog } from './mainDialog';

const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** The conversation: the main dialog (routing, interruptions) over the closure and export dialogs. */
export function createDialogs(
  settings: Pick<BotConfig, 'connectionName' | 'closure'>,
  deps: {
    readonly services: Services;
    readonly adapters: Adapters;
    readonly stores: { readonly audit: AuditTrail };
    /** Per-user conversation state: the progress is kept there. */
    readonly botState: { readonly state: PrivateConversationState };
    /** The bot's closure channels (bot/botClosureChannel.ts, built after this): `forTurn` is the workflow's port in a turn. */
    readonly channels: () => { forTurn(context: TurnContext): ClosureChannel };
    readonly clock: () => Date;
    readonly logger: Logger;
  },
): MainDialog {
  const { services, adapters } = deps;
  return new MainDialog({
    directory: adapters.directory,
    realm: adapters.realm,
    closure: services.closure,
    exports: services.exports,
    audit: deps.stores.audit,
    clock: deps.clock,
    workflow: services.workflow,
    closureChannel: (context) => deps.channels().forTurn(context),
    hashUpn: services.hashUpn,
    logger: deps.logger.child('dialogs'),
    connectionName: settings.connectionName,
    signInTimeoutMs: SIGN_IN_TIMEOUT_MS,
    progress: deps.botState.state.createProperty<ConversationProgress>('progress'),
    closureMode: settings.closure.kind,
    portalUrl: adapters.portalUrl,
    handOffVerified: services.handOffVerified,
  });
}
