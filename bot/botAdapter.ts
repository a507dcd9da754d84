import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import type { HttpClient } from '../adapters/http/httpClient';
import type { BotConfig } from '../config/config';
import { Messages } from '../conversation/messages';
import type { Logger } from '../services/logger';
import { botFrameworkEndpointKeys } from './botFrameworkEndpoints';
import { ReusedClientsAuthentication } from './reusedClients';
import { TokenServiceClient } from './tokenServiceClient';

export type AdapterSettings = Pick<BotConfig, 'bot' | 'directory' | 'oauthUrl' | 'channelAuth'>;

export interface BotAdapter {
  readonly adapter: CloudAdapter;
  /** Checks the Bot Framework JWT of each request (none without an app id). */
  readonly authentication: ConfigurationBotFrameworkAuthentication;
  /** The bot's app id; empty without Bot Framework auth (sandbox, Emulator). */
  readonly botAppId: string;
}

/**
 * The CloudAdapter with the bot's identity (MicrosoftAppType, its id, tenant and endpoints). `tokenServiceUrl`: a
 * stand-in token service (the sandbox's), reached through the bot's own lean client (tokenServiceClient.ts).
 */
export function createBotAdapter(
  settings: AdapterSettings,
  deps: { readonly tokenServiceUrl?: string; readonly http: HttpClient; readonly logger: Logger },
): BotAdapter {
  const authentication = botFrameworkAuthentication(settings);
  const userTokens = deps.tokenServiceUrl
    ? new TokenServiceClient({ baseUrl: deps.tokenServiceUrl, appId: '', http: deps.http })
    : undefined;
  // Clients built once and reused across turns. Without an app id the SDK's own token client refuses to work
  // ("appId Required"): the sandbox's serves every turn instead, installed here once.
  const adapter = new CloudAdapter(new ReusedClientsAuthentication({ inner: authentication, userTokens }));
  adapter.onTurnError = async (context, error) => {
    deps.logger.error('turn failed', { activityType: context.activity.type, channelId: context.activity.channelId, error });
    // Never "nothing has been closed": the error may come after a Yes whose closure is under way or done
    // (the workflow tells its outcome once it is recorded).
    await context.sendActivity(Messages.turnFailed);
    if (context.activity.channelId === 'emulator') {
      // Trace activities are shown by the Emulator only: the detail a developer needs, without a stack.
      await context.sendTraceActivity(
        'OnTurnError',
        `${error.name}: ${error.message}`,
        'https://www.botframework.com/schemas/error',
        'TurnError',
      );
    }
  };
  return { adapter, authentication, botAppId: settings.bot.appType === 'None' ? '' : settings.bot.appId };
}

function botFrameworkAuthentication(settings: AdapterSettings): ConfigurationBotFrameworkAuthentication {
  const identity = settings.bot;
  const loginBaseUrl = settings.directory.kind === 'graph' ? settings.directory.loginBaseUrl : undefined;
  return new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppType: identity.appType === 'None' ? '' : identity.appType,
    MicrosoftAppId: identity.appType === 'None' ? '' : identity.appId,
    MicrosoftAppPassword: identity.appType === 'SingleTenant' ? identity.password : '',
    MicrosoftAppTenantId: identity.appType === 'None' ? '' : identity.tenantId,
    // OAUTH_URL (regional bots, local tests of the Azure path) and a non-public LOGIN_BASE_URL reach every SDK call.
    ...botFrameworkEndpointKeys({
      oauthUrl: settings.oauthUrl,
      loginBaseUrl,
      singleTenantId: identity.appType === 'SingleTenant' ? identity.tenantId : undefined,
      channelOpenIdMetadataUrl: settings.channelAuth.openIdMetadataUrl,
      channelTokenIssuer: settings.channelAuth.tokenIssuer,
    }),
  });
}
