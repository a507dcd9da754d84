import { CallerIdConstants } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';

/** The public cloud's Entra authority; anything else (a national cloud, a local stand-in) is an override. */
const PUBLIC_LOGIN_BASE_URL = 'https://login.microsoftonline.com';

export interface BotFrameworkEndpointSettings {
  /** OAUTH_URL: the Bot Framework token service (regional bots, local stand-ins); undefined = the SDK's default. */
  readonly oauthUrl?: string;
  /** LOGIN_BASE_URL with DIRECTORY=graph; only a non-public value changes anything. */
  readonly loginBaseUrl?: string;
  /** The bot's tenant, for a SingleTenant bot's own token authority (`{loginBaseUrl}/{tenant}`). */
  readonly singleTenantId?: string;
  /** ToBotFromChannelOpenIdMetadataUrl: the keys that sign the channels' tokens; undefined = the public cloud's. */
  readonly channelOpenIdMetadataUrl?: string;
  /** ToBotFromChannelTokenIssuer: the `iss` of the channels' tokens; undefined = the public cloud's. */
  readonly channelTokenIssuer?: string;
}

/**
 * The `ConfigurationBotFrameworkAuthentication` keys for our endpoint settings. botbuilder treats a config that
 * sets any one "parameterized" key (OAuthUrl, ToChannelFromBotLoginUrl, ...) as a complete custom cloud and
 * leaves the others undefined (BotFrameworkAuthenticationFactory.create: "assume all parameters are
 * intentional"), which would break the channel's token validation. So an override comes with every other key
 * at the public cloud's value (AuthenticationConstants), and no override adds no key at all.
 */
export function botFrameworkEndpointKeys(settings: BotFrameworkEndpointSettings): Record<string, string> {
  const loginBase = settings.loginBaseUrl?.replace(/\/+$/, '');
  const botLoginUrl =
    loginBase && loginBase !== PUBLIC_LOGIN_BASE_URL && settings.singleTenantId ? `${loginBase}/${settings.singleTenantId}` : undefined;
  if (!settings.oauthUrl && !botLoginUrl && !settings.channelOpenIdMetadataUrl && !settings.channelTokenIssuer) return {};
  return {
    ToChannelFromBotLoginUrl: botLoginUrl ?? AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: settings.channelTokenIssuer ?? AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: settings.oauthUrl ?? AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl: settings.channelOpenIdMetadataUrl ?? AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}
