import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Logger } from './logger';
import type { DirectLine } from './directLine';
import { SIGNED_IN_EVENT, type SignedInEvent } from './signInRoutes';

export interface DirectLineSignInOptions {
  readonly directLine: DirectLine;
  readonly events: EventEmitter;
  /** `{url}/botframework`: the code is redeemed there over HTTP, as the real channel redeems it with the token service. */
  readonly tokenServiceUrl: string;
  readonly clock: () => Date;
  readonly logger: Logger;
}

export interface DirectLineSignIn {
  /** Resolves once every sign-in hand-off in flight has finished. */
  settled(): Promise<void>;
  stop(): void;
}

/**
 * Completes a web chat sign-in without a magic code, as Direct Line's enhanced authentication does: when someone
 * signs in on the sandbox page from a Direct Line conversation, in the browser that holds that chat, the code is redeemed (so the token service caches
 * the token for that user) and the bot gets a `tokens/response` event carrying the token, which OAuthPrompt accepts.
 */
export function bridgeDirectLineSignIn(options: DirectLineSignInOptions): DirectLineSignIn {
  const { directLine, events, tokenServiceUrl, clock, logger } = options;
  const inFlight = new Set<Promise<void>>();

  async function handOff(event: SignedInEvent): Promise<void> {
    const query = new URLSearchParams({
      userId: event.userId,
      connectionName: event.connectionName,
      channelId: event.channelId,
      code: event.magicCode,
    });
    const response = await fetch(`${tokenServiceUrl}/api/usertoken/GetToken?${query.toString()}`);
    if (response.status === 404) {
      await response.arrayBuffer();
      // Already redeemed, e.g. the user typed the code into the chat first: nothing left to hand over.
      logger.info('sign-in code already redeemed; no tokens/response sent', { conversationId: event.conversationId });
      return;
    }
    if (!response.ok) throw new Error(`the token service answered ${response.status} to the code redemption`);
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') throw new Error('the token service answered without a token');
    await directLine.sendToBot(event.conversationId, {
      type: 'event',
      name: 'tokens/response',
      id: randomBytes(8).toString('hex'),
      timestamp: clock().toISOString(),
      from: { id: event.userId, role: 'user' },
      value: { connectionName: event.connectionName, token, channelId: event.channelId },
    });
    logger.info('sign-in handed to the bot as tokens/response', {
      conversationId: event.conversationId,
      connectionName: event.connectionName,
    });
  }

  const onSignedIn = (event: SignedInEvent) => {
    if (event.channelId !== 'directline' || !directLine.conversations.has(event.conversationId)) return;
    // Signed in from another browser: the chat gets nothing until its user types the code shown there.
    if (!event.browserBound) {
      logger.info("sign-in finished outside the chat's browser; the code must be typed in the chat", {
        conversationId: event.conversationId,
      });
      return;
    }
    const work = handOff(event)
      .catch((error: unknown) =>
        logger.error('sign-in hand-off to the bot failed; the user can still type the code', {
          conversationId: event.conversationId,
          error,
        }),
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  };
  events.on(SIGNED_IN_EVENT, onSignedIn);

  return {
    async settled() {
      await Promise.all([...inFlight]);
    },
    stop() {
      events.off(SIGNED_IN_EVENT, onSignedIn);
    },
  };
}
