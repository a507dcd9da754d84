import {
  MessageFactory,
  type Activity,
  type CloudAdapter,
  type ConversationReference,
  type PrivateConversationState,
  type Storage,
  type TurnContext,
} from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import { readerOf, timeZoneOf } from '../conversation/address';
import { handOffReply } from '../conversation/handOffReply';
import { inLanguageOf } from '../locales/i18n';
import { Messages } from '../conversation/messages';
import { markStateDeleted, type ConversationProgress } from '../conversation/progress';
import type { ClosureRequest } from '../services/closureRequest';
import type { ClosureChannel, ClosureNotice, ConversationAddress } from '../services/closureChannel';
import type { Logger } from '../services/logger';
import { flushAuditBeforeReplies } from './auditBeforeReplies';
import { finalCard } from './teams/cards';
import { answerNothing } from './proactiveTurn';

export interface BotClosureChannelsOptions {
  /** CloudAdapter.continueConversationAsync with the bot's app id: a turn in a conversation that is not this one. */
  readonly continueConversation: (
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ) => Promise<void>;
  /** The per-user conversation state and its storage: forgetting deletes the requester's key directly. */
  readonly state: PrivateConversationState;
  readonly storage: Storage;
  readonly connectionName: string;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Teams: the message id of a hand-off card as sent, so the hand-off check can show its verdict on that card. */
  readonly onHandOffCardSent?: (requestId: string, activityId: string) => Promise<void>;
}

/**
 * The decision workflow's channel port on the Bot Framework. Work for the conversation of the current turn is
 * done in that turn (replies go back in it, `expectReplies` included); work for any other conversation, or with
 * no turn at all (the reconciler), in a proactive turn of its own.
 */
export class BotClosureChannels {
  constructor(private readonly options: BotClosureChannelsOptions) {}

  /** The port for a user's turn. */
  forTurn(context: TurnContext): ClosureChannel {
    return new BotClosureChannel(this.options, context);
  }

  /** The port for background work. */
  background(): ClosureChannel {
    return new BotClosureChannel(this.options, undefined);
  }
}

class BotClosureChannel implements ClosureChannel {
  constructor(
    private readonly options: BotClosureChannelsOptions,
    private readonly turn: TurnContext | undefined,
  ) {}

  async send(notice: ClosureNotice, conversation?: ConversationAddress): Promise<void> {
    await this.within(conversation, async (context) => {
      const timeZone = this.timeZoneFor(conversation);
      // A hand-off is the card with the steps, the link and the check button, not just a sentence.
      const sent = await context.sendActivity(
        notice.kind === 'handedOff' ? handOffReply(notice, notice.upn) : MessageFactory.text(describe(notice, timeZone)),
      );
      if (notice.kind === 'handedOff' && context.activity.channelId === 'msteams' && sent?.id) {
        // The user has the card: a failure to note its id costs only the later update (a new card is sent then).
        await this.options.onHandOffCardSent?.(notice.requestId, sent.id).catch((error: unknown) => {
          this.options.logger.warn('the hand-off card id could not be recorded', { requestId: notice.requestId, error });
        });
      }
    });
  }

  /**
   * Teams only (elsewhere cards are never updated). The connector may answer a send with 202 and no id (the
   * Agents Playground does), so a card whose message id is unknown, or whose update fails, is sent again as a
   * new message showing its final state: the chat never keeps a live-looking Yes for an ended request.
   */
  async updateCard(request: ClosureRequest, conversation: ConversationAddress): Promise<void> {
    if (request.channelId !== 'msteams') return;
    if (!finalCard(request, this.options.clock())) return;
    await this.within(conversation, async (context) => {
      // Rendered in the turn, so in the reader's language and zone (a proactive turn's come from the conversation).
      const card = finalCard(request, this.options.clock(), this.timeZoneFor(conversation));
      if (!card) return;
      if (request.cardActivityId) {
        try {
          await context.updateActivity({ type: 'message', id: request.cardActivityId, attachments: [card] });
          return;
        } catch (error) {
          this.options.logger.warn('the warning card could not be updated; sending its state as a new message', {
            requestId: request.requestId,
            error,
          });
        }
      }
      await context.sendActivity(MessageFactory.attachment(card));
    });
  }

  async signOut(conversation: ConversationAddress): Promise<void> {
    const { channelId, userId } = addressOf(conversation);
    await this.within(conversation, async (context) => {
      const client = context.turnState.get<UserTokenClient | undefined>((context.adapter as CloudAdapter).UserTokenClientKey);
      if (client) return client.signOutUser(userId, this.options.connectionName, channelId);
      // Adapters without a token client (botbuilder's TestAdapter) sign out themselves, as OAuthPrompt does it.
      const legacy = context.adapter as unknown as {
        signOutUser?: (context: TurnContext, connectionName: string, userId: string) => Promise<void>;
      };
      if (!legacy.signOutUser) throw new Error('no user token client in this turn');
      await legacy.signOutUser(context, this.options.connectionName, userId);
    });
  }

  /**
   * Replaces the requester's `PrivateConversationState` with the ended request's id alone (one write, as the delete
   * it replaces); in their own turn, the turn then neither saves nor deletes it.
   */
  async forgetConversation(conversation: ConversationAddress, endedRequestId: string): Promise<void> {
    const { channelId, conversationId, userId } = addressOf(conversation);
    const key = this.options.state.getStorageKey({
      activity: { channelId, conversation: { id: conversationId }, from: { id: userId } },
    } as unknown as TurnContext);
    if (!key) throw new Error("no conversation state key for the request's conversation");
    const ended: ConversationProgress = { endedRequestId };
    await this.options.storage.write({ [key]: { progress: ended, eTag: '*' } });
    if (this.turn && this.options.state.getStorageKey(this.turn) === key) markStateDeleted(this.turn);
    this.options.logger.info("forgot the requester's conversation state", { conversationId });
  }

  async forgetFlow(conversation: ConversationAddress, account: { readonly objectId: string; readonly tenantId: string }): Promise<boolean> {
    const { channelId, conversationId, userId } = addressOf(conversation);
    const key = this.options.state.getStorageKey({
      activity: { channelId, conversation: { id: conversationId }, from: { id: userId } },
    } as unknown as TurnContext);
    if (!key) return false;
    const stored = (await this.options.storage.read([key]))[key] as { progress?: ConversationProgress } | undefined;
    const held = stored?.progress?.account;
    // Only the flow of this account: the chat may have moved on to another account since it was listed.
    if (!held || held.objectId !== account.objectId || held.tenantId !== account.tenantId) return false;
    await this.options.storage.delete([key]);
    this.options.logger.info('forgot a chat at the export offer of an account closed elsewhere', { conversationId });
    await this.within(conversation, async (context) => {
      await context.sendActivity(Messages.accountClosedElsewhere);
    });
    return true;
  }

  /** The reader's zone: from their own activity in their turn, else the one kept with the conversation; else UTC. */
  private timeZoneFor(conversation: ConversationAddress | undefined): string | undefined {
    return (this.turn && timeZoneOf(this.turn.activity)) ?? (conversation ? readerOf(conversation).timeZone : undefined);
  }

  private async within(conversation: ConversationAddress | undefined, work: (context: TurnContext) => Promise<void>): Promise<void> {
    if (this.turn && (!conversation || sameConversation(this.turn.activity, conversation))) return work(this.turn);
    if (!conversation) throw new Error('no conversation to send to outside a turn');
    // A proactive turn does not pass through the bot's `run`: it is said in the language kept with the conversation.
    const { locale } = readerOf(conversation);
    await this.options.continueConversation(conversation, (context) => {
      answerNothing(context);
      flushAuditBeforeReplies(context);
      return inLanguageOf(locale, () => work(context), context.activity.channelId);
    });
  }
}

function sameConversation(activity: Partial<Activity>, conversation: ConversationAddress): boolean {
  const address = addressOf(conversation);
  return activity.channelId === address.channelId && activity.conversation?.id === address.conversationId;
}

/** The parts of a stored conversation reference the channel needs; a reference without them is a bug, not input. */
function addressOf(conversation: ConversationAddress): { channelId: string; conversationId: string; userId: string } {
  const reference = conversation as Partial<ConversationReference>;
  const channelId = reference.channelId;
  const conversationId = reference.conversation?.id;
  const userId = reference.user?.id;
  if (!channelId || !conversationId || !userId) throw new Error('the stored conversation reference lacks channel, conversation or user id');
  return { channelId, conversationId, userId };
}

function describe(notice: ClosureNotice, timeZone: string | undefined): string {
  switch (notice.kind) {
    case 'closed':
      if (!notice.upn) return Messages.closedInBackground(notice.requestId, notice.closedAt, timeZone);
      return notice.signedOut
        ? Messages.closed(notice.upn, notice.requestId, notice.closedAt, timeZone)
        : Messages.closedNotSignedOut(notice.upn, notice.requestId, notice.closedAt, timeZone);
    case 'handedOff':
      return Messages.handedOff(notice.reason, notice.upn);
    case 'notEligible':
      return Messages.noLongerEligible(notice.verdict);
    case 'failed':
      return Messages.error(notice.error);
    case 'stillClosing':
      return Messages.stillClosing;
    case 'outcomeUnknown':
      return Messages.outcomeUnknown(notice.requestId);
    case 'closedElsewhere':
      return Messages.closedElsewhere(notice.requestId);
    case 'notRecorded':
      return Messages.notRecorded(notice.certain);
    case 'declined':
      return Messages.declined;
    case 'rejected':
      return Messages.rejected(notice.reason);
  }
}
