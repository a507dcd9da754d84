import type { TurnContext } from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import type { Logger } from '../services/logger';

/**
 * A `tokens/response` event is how a channel hands a finished sign-in to the bot (Azure's Direct Line enhanced
 * authentication does it, and so does the sandbox's Direct Line), but botbuilder's OAuthPrompt takes
 * `activity.value.token` from any such event, including one a client sends itself
 * (botbuilder-dialogs `OAuthPrompt.recognizeToken`). So the event counts only when the token service confirms
 * a token for this user and connection; the event's value is then replaced by the service's own answer, so the
 * token the dialog goes on with is the one the service holds, never the one the client sent.
 * Returns whether the event may reach the dialog.
 */
export async function confirmTokenResponse(
  context: TurnContext,
  tokens: UserTokenClient,
  connectionName: string,
  logger: Logger,
): Promise<boolean> {
  const { activity } = context;
  const claimed = activity.value as { connectionName?: unknown } | undefined;
  if (typeof claimed?.connectionName === 'string' && claimed.connectionName !== connectionName) {
    logger.warn('tokens/response for another connection ignored', { conversationId: activity.conversation?.id });
    return false;
  }
  const userId = activity.from?.id;
  const confirmed = userId ? await tokens.getUserToken(userId, connectionName, activity.channelId, '') : undefined;
  if (!confirmed?.token) {
    logger.warn('tokens/response not confirmed by the token service; ignored', { conversationId: activity.conversation?.id });
    return false;
  }
  activity.value = { connectionName, token: confirmed.token, expiration: confirmed.expiration };
  return true;
}
