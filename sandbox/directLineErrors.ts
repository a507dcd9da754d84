/**
 * Direct Line 3.0 errors, `{ error: { code, message } }` (ErrorResponse). The reference documents the status codes
 * and one code, `TokenExpired` on a 403 for a token that was valid once
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-api-reference#http-status-codes);
 * the others are the Bot Framework's ErrorResponse codes (BadArgument, BadSyntax, MissingProperty,
 * MessageSizeTooBig, BotError). Where Azure's code for a case is not documented, the comment says so.
 */
export class DirectLineError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const directLineErrors = {
  /** Azure answers a request without Authorization with 401 "Missing token or secret". */
  missingAuthorization: () =>
    new DirectLineError(401, 'BadArgument', 'Missing token or secret. Send "Authorization: Bearer <secret or token>".'),
  tokenExpired: () =>
    new DirectLineError(403, 'TokenExpired', 'Token has expired. Get a new token (tokens/generate) or refresh it before it expires.'),
  /** A token or secret the service never issued; Azure's code for it is not documented. */
  invalidToken: () => new DirectLineError(403, 'BadArgument', 'Invalid token or secret.'),
  forbidden: (why: string) => new DirectLineError(403, 'BadArgument', why),
  conversationNotFound: () => new DirectLineError(404, 'BadArgument', 'Conversation not found.'),
  activityNotFound: () => new DirectLineError(404, 'BadArgument', 'Activity not found.'),
  badArgument: (message: string) => new DirectLineError(400, 'BadArgument', message),
  badSyntax: (message: string) => new DirectLineError(400, 'BadSyntax', message),
  missingProperty: (message: string) => new DirectLineError(400, 'MissingProperty', message),
  messageSizeTooBig: (limit: number) => new DirectLineError(413, 'MessageSizeTooBig', `The activity is larger than ${limit} bytes.`),
  /**
   * Direct Line does not let a bot update or delete a sent activity: the Bot Connector answers 405 Method Not
   * Allowed (botbuilder's `updateActivity` on channel `directline` fails). The body's code is not documented.
   */
  updateNotSupported: () => new DirectLineError(405, 'BadArgument', 'Direct Line does not support updating or deleting activities.'),
  botError: (message: string) => new DirectLineError(502, 'BotError', message),
};
