import type { Activity, ChannelAccount, ConversationParameters, TurnContext } from 'botbuilder';
import { Messages } from '../../conversation/messages';
import type { Logger } from '../../services/logger';

/** CloudAdapter.createConversationAsync with the bot's app id and the turn's channel. */
export type CreateConversation = (
  serviceUrl: string,
  audience: string | undefined,
  parameters: ConversationParameters,
  logic: (context: TurnContext) => Promise<void>,
) => Promise<void>;

export interface TeamsPrivateChatOptions {
  readonly createConversation: CreateConversation;
  /** Runs a turn the way the bot runs every turn (dialog, state saved or forgotten). */
  readonly runTurn: (context: TurnContext) => Promise<void>;
  readonly logger: Logger;
}

/**
 * A Teams group chat or a channel: every member sees every message and card the bot posts there.
 * `conversationType` is `personal`, `groupChat` or `channel`
 * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-basics).
 */
export function isSharedTeamsConversation(activity: Partial<Activity>): boolean {
  if (activity.channelId !== 'msteams') return false;
  const type = activity.conversation?.conversationType;
  return type === 'groupChat' || type === 'channel' || (type === undefined && activity.conversation?.isGroup === true);
}

/**
 * Sensitive steps happen 1:1. Asked in a group chat or a channel, the closure moves to the person's own chat
 * with the bot: the sign-in card, "signed in as <UPN>", the export offer and its link, and the warning with its
 * nonce are personal and would be seen by every member there.
 *
 * Teams' "create conversation" with the user and the tenant opens that 1:1 chat, or returns the one that exists
 * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages: a 1:1
 * needs the user's id or Microsoft Entra object id, the tenant id and the service URL). The bot uses the Teams
 * user id (`from.id`), the id it keys the user's state on; the Agents Playground opens the user's personal chat
 * by that id too. Teams refuses when the app is not installed for the user (403): the person is then told how to
 * open the chat themselves, and nothing is claimed that did not happen.
 */
export class TeamsPrivateChat {
  constructor(private readonly options: TeamsPrivateChatOptions) {}

  /** Runs the person's request in their 1:1 chat, then tells the group `toGroup` (nothing personal). */
  async moveThere(context: TurnContext, toGroup: string = Messages.movedToPrivateChat): Promise<void> {
    const asked = context.activity;
    const tenantId = tenantOf(asked);
    if (!asked.serviceUrl || !tenantId || !asked.from?.id || !asked.recipient) {
      this.options.logger.warn('a 1:1 chat cannot be opened: the activity lacks the service URL, tenant or user', {
        conversationType: asked.conversation?.conversationType,
      });
      await context.sendActivity(Messages.privateChatFailed);
      return;
    }
    const member: ChannelAccount = { id: asked.from.id, name: asked.from.name ?? '' };
    const parameters: ConversationParameters = {
      isGroup: false,
      bot: { id: asked.recipient.id, name: asked.recipient.name ?? '' },
      members: [member],
      tenantId,
      channelData: { tenant: { id: tenantId } },
    };
    const audience = context.turnState.get<string | undefined>(context.adapter.OAuthScopeKey);
    try {
      await this.options.createConversation(asked.serviceUrl, audience, parameters, async (turn) => {
        asTheRequestIn(turn, asked);
        await this.options.runTurn(turn);
      });
    } catch (error) {
      this.options.logger.warn('the 1:1 chat could not be opened', { conversationType: asked.conversation?.conversationType, error });
      await context.sendActivity(Messages.privateChatFailed);
      return;
    }
    await context.sendActivity(toGroup);
  }
}

/** The tenant of a Teams activity: `channelData.tenant.id`, which Teams always sends; `conversation.tenantId` as a fallback. */
function tenantOf(activity: Partial<Activity>): string | undefined {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  if (typeof fromChannelData === 'string' && fromChannelData) return fromChannelData;
  return activity.conversation?.tenantId || undefined;
}

/**
 * The new conversation's turn starts as a `CreateConversation` event with no user; it becomes the person's
 * request (same user, text or card press) in their 1:1 chat, where the dialog starts as if they had asked there.
 */
function asTheRequestIn(context: TurnContext, asked: Partial<Activity>): void {
  const activity = context.activity;
  delete activity.name;
  activity.type = 'message';
  activity.from = asked.from ?? activity.from;
  activity.conversation = { ...activity.conversation, conversationType: 'personal', isGroup: false };
  activity.locale = asked.locale;
  activity.text = asked.text ?? '';
  activity.value = asked.value as unknown;
  activity.entities = [];
}
