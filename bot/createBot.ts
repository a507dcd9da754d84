import {
  TeamsSSOTokenExchangeMiddleware,
  TelemetryLoggerMiddleware,
  type CloudAdapter,
  type ConversationReference,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import type { BotConfig } from '../config/config';
import type { MainDialog } from '../dialogs/mainDialog';
import type { Services } from '../services/createServices';
import type { HttpClient } from '../adapters/http/httpClient';
import type { Logger } from '../services/logger';
import type { OpenStores } from '../adapters/storage/openStores';
import { AccountClosureBot } from './accountClosureBot';
import { createBotAdapter, type AdapterSettings, type BotAdapter } from './botAdapter';
import { BotClosureChannels } from './botClosureChannel';
import { HandOffCheckTurns } from './handOffCheckTurns';
import type { BotState } from './storage/botState';
import type { CreateConversation } from './teams/privateChat';
import { TeamsSsoDedupeStorage, type TokenExchangeMark } from './teams/ssoDedupeStorage';
import { createBotTelemetry, type BotTelemetry } from './telemetry';

/** Teams sends a sign-in's duplicate token exchanges within seconds; an hour is ample. */
const SSO_DEDUPE_KEEP_MS = 60 * 60_000;

export interface Bot extends BotAdapter {
  readonly bot: AccountClosureBot;
  /** The decision workflow's channel port, in a turn or proactively. */
  readonly channels: BotClosureChannels;
  readonly handOffTurns: HandOffCheckTurns;
  readonly ssoDedupe: TeamsSsoDedupeStorage;
  /** Application Insights, when APPLICATIONINSIGHTS_CONNECTION_STRING is set. */
  readonly telemetry?: BotTelemetry;
}

/** The activity handler on its adapter, with Teams' SSO dedupe, the closure channel and telemetry. */
export async function createBot(
  settings: AdapterSettings & Pick<BotConfig, 'connectionName' | 'closure' | 'applicationInsightsConnectionString'>,
  deps: {
    readonly botState: BotState;
    readonly dialog: MainDialog;
    readonly services: Services;
    readonly stores: OpenStores;
    readonly adapters: { readonly http: HttpClient };
    /** A stand-in token service (the sandbox's); undefined = the Bot Framework's. */
    readonly tokenServiceUrl?: string;
    readonly clock: () => Date;
    readonly logger: Logger;
  },
): Promise<Bot> {
  const { services, clock, logger } = deps;
  const botAdapter = createBotAdapter(settings, {
    tokenServiceUrl: deps.tokenServiceUrl,
    http: deps.adapters.http,
    logger: logger.child('adapter'),
  });
  const { adapter, botAppId } = botAdapter;
  const continueConversation = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) =>
    adapter.continueConversationAsync(botAppId, reference, logic);
  const channels = new BotClosureChannels({
    continueConversation,
    state: deps.botState.state,
    storage: deps.botState.storage,
    connectionName: settings.connectionName,
    clock,
    logger: logger.child('channel'),
    onHandOffCardSent: (requestId, activityId) => services.handOffChecks.recordCard(requestId, activityId),
  });
  const handOffTurns = new HandOffCheckTurns({
    checks: services.handOffChecks,
    connectionName: settings.connectionName,
    logger: logger.child('handOff'),
  });
  const bot = new AccountClosureBot({
    state: deps.botState.state,
    dialog: deps.dialog,
    closure: services.closure,
    logger: logger.child('turns'),
    connectionName: settings.connectionName,
    handOffChecks: handOffTurns,
    closureMode: settings.closure.kind,
    handOffVerified: services.handOffVerified,
    teams: { clock, continueConversation, createConversation: teamsConversations(adapter, botAppId) },
  });
  // Teams sends one signin/tokenExchange per signed-in client: one per id goes on, on whichever instance is first.
  const ssoDedupe = new TeamsSsoDedupeStorage({
    records: deps.stores.records<TokenExchangeMark>('teamsTokenExchanges'),
    clock,
    keepMs: SSO_DEDUPE_KEEP_MS,
  });
  adapter.use(new TeamsSSOTokenExchangeMiddleware(ssoDedupe, settings.connectionName));
  const telemetry = settings.applicationInsightsConnectionString
    ? await createBotTelemetry(settings.applicationInsightsConnectionString)
    : undefined;
  if (telemetry) {
    // Activity events without personal information (no text, no names); dialogs report their step names.
    adapter.use(new TelemetryLoggerMiddleware(telemetry.client, false));
    deps.dialog.telemetryClient = telemetry.client;
  }
  return { ...botAdapter, bot, channels, handOffTurns, ssoDedupe, telemetry };
}

/** Teams' 1:1 chat with a person, opened from a group chat or channel (bot/teams/privateChat.ts). */
function teamsConversations(adapter: CloudAdapter, botAppId: string): CreateConversation {
  return (serviceUrl, audience, parameters, logic) =>
    adapter.createConversationAsync(
      botAppId,
      'msteams',
      serviceUrl,
      audience ?? AuthenticationConstants.ToChannelFromBotOAuthScope,
      parameters,
      logic,
    );
}
