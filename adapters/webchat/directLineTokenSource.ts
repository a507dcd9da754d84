import { AppError } from '../../services/errors';
import type { HttpClient } from '../http/httpClient';
import { isHttpError } from '../http/httpError';
import type { Logger } from '../../services/logger';

/** A Direct Line token for one browser: bound to one conversation and one `dl_` user id. */
export interface WebChatToken {
  readonly token: string;
  readonly conversationId: string;
  readonly userId: string;
  readonly expiresInSeconds: number;
}

export interface WebChatTokenRequest {
  /** Must start with `dl_`: Direct Line enhanced authentication trusts only such ids. */
  readonly userId: string;
  /** Origins the token may be used from (the page's own). */
  readonly trustedOrigins?: readonly string[];
}

/** The port the token route uses: mint a token, and say where Web Chat reaches Direct Line. */
export interface WebChatTokenSource {
  /** `{base}/v3/directline`: Web Chat's `domain`, and what the page's Content-Security-Policy lets it connect to. */
  readonly domain: string;
  issue(request: WebChatTokenRequest): Promise<WebChatToken>;
}

export interface DirectLineTokenExchangeOptions {
  readonly http: HttpClient;
  /** `https://directline.botframework.com`, a regional endpoint, or the sandbox's URL. */
  readonly baseUrl: string;
  /** The Direct Line channel's secret: sent only in this call's Authorization header, never logged or returned. */
  readonly secret: string;
  readonly logger: Logger;
}

/**
 * Exchanges the Direct Line secret for a token (`POST /v3/directline/tokens/generate`),
 * https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-authentication
 */
export class DirectLineTokenExchange implements WebChatTokenSource {
  readonly domain: string;

  constructor(private readonly options: DirectLineTokenExchangeOptions) {
    this.domain = `${options.baseUrl.replace(/\/+$/, '')}/v3/directline`;
  }

  async issue(request: WebChatTokenRequest): Promise<WebChatToken> {
    if (!request.userId.startsWith('dl_')) throw new AppError('BAD_REQUEST', 'a web chat user id must start with "dl_"');
    let body: unknown;
    try {
      ({ body } = await this.options.http.request({
        method: 'POST',
        url: `${this.domain}/tokens/generate`,
        headers: { authorization: `Bearer ${this.options.secret}` },
        body: { user: { id: request.userId }, ...(request.trustedOrigins?.length ? { trustedOrigins: request.trustedOrigins } : {}) },
        operation: 'directLine.generateToken',
        // A repeat after a lost answer only leaves an unused conversation behind.
        idempotent: true,
      }));
    } catch (error) {
      const why = isHttpError(error) ? error.message : 'the exchange failed';
      throw new AppError('DIRECT_LINE_UNAVAILABLE', `Direct Line token exchange failed: ${why}`, { cause: error });
    }
    const answer = body as { token?: unknown; conversationId?: unknown; expires_in?: unknown } | undefined;
    if (typeof answer?.token !== 'string' || !answer.token || typeof answer.conversationId !== 'string') {
      throw new AppError('DIRECT_LINE_UNAVAILABLE', 'Direct Line answered tokens/generate without a token and conversation id');
    }
    this.options.logger.info('web chat token issued', { conversationId: answer.conversationId });
    return {
      token: answer.token,
      conversationId: answer.conversationId,
      userId: request.userId,
      expiresInSeconds: typeof answer.expires_in === 'number' ? answer.expires_in : 3600,
    };
  }
}
