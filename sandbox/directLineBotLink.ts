import type { Activity } from './directLineConversations';
import type { DirectLineOptions } from './directLine';
import { directLineErrors } from './directLineErrors';

/** Real Direct Line gives the bot 15 seconds to acknowledge an activity before answering 502. */
const BOT_TIMEOUT_MS = 15_000;
export const SANDBOX_BOT_ACCOUNT = { id: 'account-closure-bot', name: 'Account Closure Bot', role: 'bot' } as const;

/** Where activities go to the bot: its endpoint (known once it listens, kept across restarts) and the order kept per conversation. */
export interface BotLink {
  attach(endpointUrl: string): Promise<void>;
  send(conversationId: string, activity: Activity): Promise<void>;
}

export function createBotLink(options: DirectLineOptions): BotLink {
  const { conversations, logger } = options;
  let botEndpoint = conversations.botEndpoint;
  const deliveries = new Map<string, Promise<void>>();
  return {
    async attach(endpointUrl) {
      botEndpoint = endpointUrl;
      await conversations.setBotEndpoint(endpointUrl);
      logger.info(`Direct Line forwards to the bot at "${endpointUrl}"`);
    },
    /**
     * One conversation's activities reach the bot one at a time, in order: the bot saves its state at the end of a
     * turn, so a card press racing the sign-in hand-off's turn would otherwise read the state from before sign-in.
     */
    send(conversationId, activity) {
      const delivery = (deliveries.get(conversationId) ?? Promise.resolve()).then(() =>
        deliver(options, botEndpoint, conversationId, activity),
      );
      const settled = delivery.then(
        () => undefined,
        () => undefined,
      );
      deliveries.set(conversationId, settled);
      void settled.then(() => {
        if (deliveries.get(conversationId) === settled) deliveries.delete(conversationId);
      });
      return delivery;
    },
  };
}

async function deliver(
  options: DirectLineOptions,
  botEndpoint: string | undefined,
  conversationId: string,
  activity: Activity,
): Promise<void> {
  const { url, conversations, logger } = options;
  if (!botEndpoint) throw directLineErrors.botError('No bot is attached to the sandbox Direct Line yet (Sandbox.attachBot).');
  const locale = conversations.localeOf(conversationId);
  // The start body's locale reaches the bot on activities that carry none (Web Chat sends its own on messages).
  const outgoing = {
    ...(locale ? { locale } : {}),
    ...activity,
    channelId: 'directline',
    serviceUrl: url,
    conversation: { id: conversationId },
    recipient: SANDBOX_BOT_ACCOUNT,
  };
  let response: Response;
  try {
    response = await fetch(botEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(outgoing),
      signal: AbortSignal.timeout(BOT_TIMEOUT_MS),
    });
  } catch (error) {
    logger.warn(`the bot did not answer a "${String(activity.type)}" activity`, { conversationId, error });
    throw directLineErrors.botError('The bot did not answer.');
  }
  await response.arrayBuffer();
  if (!response.ok) {
    logger.warn(`the bot answered ${response.status} to a "${String(activity.type)}" activity`, { conversationId });
    throw directLineErrors.botError(`The bot answered ${response.status}.`);
  }
}
