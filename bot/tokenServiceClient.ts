import type { Activity, SignInUrlResponse, TokenExchangeRequest, TokenResponse, TokenStatus } from 'botbuilder';
import { UserTokenClient } from 'botframework-connector';
import type { HttpClient } from '../adapters/http/httpClient';

/** The token service's "no token for this user and connection" (an empty 404, DESIGN.md pitfalls). */
const NO_TOKEN = 404;

export interface TokenServiceClientOptions {
  /** The token service's base URL (`https://token.botframework.com`, or the sandbox's `/botframework`). */
  readonly baseUrl: string;
  /** The bot's app id, carried in the sign-in state as botbuilder's client carries it (empty without one). */
  readonly appId: string;
  /** The one HTTP client (retries, timeouts, redacted logs: the query, with the magic code, is never logged). */
  readonly http: HttpClient;
}

/**
 * The Bot Framework token service's REST calls (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference,
 * "Token operations"), as botbuilder's `UserTokenClientImpl` sends them, over the bot's own HTTP client. Issue 22's
 * profile put ~10% of a closure's CPU in that client and its @azure/core-client pipeline (a zod parse, the request
 * pipeline's policies and the serializer's mappers on every call); this sends the same requests and reads the same
 * answers. It serves the sandbox's token service, which asks for no credentials; with an app id the SDK's
 * authenticated client stays (bot/reusedClients.ts), since its credentials are the SDK's own.
 * A 404 to a token read is "no token", as the SDK reads it (its mapper gives an empty body for 404).
 */
export class TokenServiceClient extends UserTokenClient {
  private readonly baseUrl: string;

  constructor(private readonly options: TokenServiceClientOptions) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async getUserToken(userId: string, connectionName: string, channelId: string, magicCode: string): Promise<TokenResponse> {
    return this.tokenOrNothing('tokenService.getToken', 'GET', 'api/usertoken/GetToken', {
      userId,
      connectionName,
      channelId,
      code: magicCode,
    });
  }

  async getSignInResource(connectionName: string, activity: Activity, finalRedirect: string): Promise<SignInUrlResponse> {
    const state = UserTokenClient.createTokenExchangeState(this.options.appId, connectionName, activity);
    const response = await this.call('tokenService.getSignInResource', 'GET', 'api/botsignin/GetSignInResource', { state, finalRedirect });
    return response.body as SignInUrlResponse;
  }

  async signOutUser(userId: string, connectionName: string, channelId: string): Promise<void> {
    await this.call('tokenService.signOut', 'DELETE', 'api/usertoken/SignOut', { userId, connectionName, channelId });
  }

  async getTokenStatus(userId: string, channelId: string, includeFilter: string): Promise<TokenStatus[]> {
    const response = await this.call('tokenService.getTokenStatus', 'GET', 'api/usertoken/GetTokenStatus', {
      userId,
      channelId,
      include: includeFilter,
    });
    return (response.body ?? []) as TokenStatus[];
  }

  async getAadTokens(
    userId: string,
    connectionName: string,
    resourceUrls: string[],
    channelId: string,
  ): Promise<Record<string, TokenResponse>> {
    const response = await this.call(
      'tokenService.getAadTokens',
      'POST',
      'api/usertoken/GetAadTokens',
      { userId, connectionName, channelId },
      { resourceUrls },
    );
    return (response.body ?? {}) as Record<string, TokenResponse>;
  }

  async exchangeToken(
    userId: string,
    connectionName: string,
    channelId: string,
    exchangeRequest: TokenExchangeRequest,
  ): Promise<TokenResponse> {
    return this.tokenOrNothing(
      'tokenService.exchange',
      'POST',
      'api/usertoken/exchange',
      { userId, connectionName, channelId },
      { ...exchangeRequest },
    );
  }

  private async tokenOrNothing(
    operation: string,
    method: string,
    path: string,
    query: Record<string, string | undefined>,
    body?: object,
  ): Promise<TokenResponse> {
    const response = await this.call(operation, method, path, query, body, [NO_TOKEN]);
    // botbuilder's client resolves with no body here, and OAuthPrompt reads that as "not signed in".
    return (response.status === NO_TOKEN ? undefined : response.body) as TokenResponse;
  }

  private call(
    operation: string,
    method: string,
    path: string,
    query: Record<string, string | undefined>,
    body?: object,
    answers?: readonly number[],
  ) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value) search.set(name, value);
    return this.options.http.request({
      operation,
      method,
      url: `${this.baseUrl}/${path}?${search.toString()}`,
      body,
      // Reads repeat harmlessly; a repeated sign-out or exchange ends where the first one did.
      idempotent: true,
      answers,
    });
  }
}
