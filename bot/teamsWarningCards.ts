import type { Activity, BotState, ResourceResponse, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { ADAPTIVE_CARD_CONTENT_TYPE, CardActions, parseCardAction, type AdaptiveCardAttachment, type AdaptiveCardContent } from '../cards/renderCard';
import type { ClosureService } from '../services/closureService';
import type { Logger } from '../services/logger';
import { finalCard, waitingCardFor } from './teamsCards';

/** One warning card the requester was sent in Teams. */
interface TrackedCard {
  /** The id of the message carrying the card, as the connector returned it: what `updateActivity` needs. */
  readonly activityId?: string;
  /** The card as sent, with its nonce replaced by `NONCE_SLOT`: the nonce itself lives only on the card. */
  readonly content: string;
}

type TrackedCards = Record<string, TrackedCard>;

const NONCE_SLOT = '\u0000nonce\u0000';

export interface TeamsWarningCardsOptions {
  /** Per-user conversation state: the requester's own record of their cards, dropped with the rest on closure. */
  readonly state: BotState;
  readonly closure: ClosureService;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * Remembers each warning card sent in Teams (which message carries it, and its content) so that the card can
 * be given back to its requester on a Universal Actions refresh, and replaced by its final state once the
 * request ends, whatever ended it: a press, "cancel" typed in the chat, or the expiry noticed on a later turn.
 */
export class TeamsWarningCards {
  private readonly cards: StatePropertyAccessor<TrackedCards>;

  constructor(private readonly options: TeamsWarningCardsOptions) {
    this.cards = options.state.createProperty<TrackedCards>('teamsWarningCards');
  }

  /**
   * Watches this turn's outgoing messages for warning cards (Teams only: elsewhere cards are never updated).
   * In the requester's 1:1 chat (where the bot runs the whole flow) the message carries the warning itself,
   * Yes/No visible, with its `refresh` for the requester: clients that do not run the refresh (the Agents
   * Playground, older and mobile clients) still show the buttons, and nobody else is in that chat. In a shared
   * conversation (never reached by the flow since it moved 1:1; kept as the safe default) the message carries a
   * card without buttons, "waiting for <name> to confirm", which Teams refreshes for the requester only.
   */
  watch(context: TurnContext): void {
    if (context.activity.channelId !== 'msteams') return;
    context.onSendActivities(async (turn, activities, next) => {
      const warnings = activities.map((activity) => warningIn(activity));
      const shared = turn.activity.conversation?.conversationType !== 'personal';
      for (const [index, warning] of warnings.entries()) {
        if (warning && shared) activities[index] = { ...activities[index], attachments: [waitingFor(turn.activity.from?.name, warning.content)] };
      }
      const responses: ResourceResponse[] = await next();
      for (const [index, card] of warnings.entries()) {
        if (!card) continue;
        const tracked = await this.cards.get(turn, {});
        const activityId = responses[index]?.id || undefined;
        tracked[card.requestId] = { activityId, content: JSON.stringify(card.content).split(card.nonce).join(NONCE_SLOT) };
        await this.cards.set(turn, tracked);
      }
      return responses;
    });
  }

  /** The card as its requester was sent it, with the nonce of a press that already proved it came from that card. */
  async requesterView(context: TurnContext, requestId: string, nonce: string): Promise<AdaptiveCardAttachment | undefined> {
    const tracked = (await this.cards.get(context, {}))[requestId];
    if (!tracked) return undefined;
    const content = JSON.parse(tracked.content.split(NONCE_SLOT).join(nonce)) as AdaptiveCardContent;
    return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content };
  }

  async activityIdOf(context: TurnContext, requestId: string): Promise<string | undefined> {
    return (await this.cards.get(context, {}))[requestId]?.activityId;
  }

  async forget(context: TurnContext, requestId: string): Promise<void> {
    const tracked = await this.cards.get(context, {});
    if (!(requestId in tracked)) return;
    delete tracked[requestId];
    await this.cards.set(context, tracked);
  }

  /** At the end of a Teams turn: every tracked card whose request has ended shows its final state, then is forgotten. */
  async settle(context: TurnContext): Promise<void> {
    if (context.activity.channelId !== 'msteams') return;
    const tracked = await this.cards.get(context, {});
    const requestIds = Object.keys(tracked);
    if (requestIds.length === 0) return;
    for (const requestId of requestIds) {
      const card = finalCard(await this.options.closure.get(requestId), this.options.clock());
      if (!card) continue;
      const { activityId } = tracked[requestId];
      if (activityId) await this.replace(context, activityId, card, requestId);
      delete tracked[requestId];
    }
    await this.cards.set(context, tracked);
  }

  /**
   * Replaces the message's card for everyone in the conversation. A failed update (message deleted, connector
   * down) leaves an outdated card whose buttons the closure service refuses anyway: logged, not fatal to the turn.
   */
  async replace(context: TurnContext, activityId: string, card: AdaptiveCardAttachment, requestId: string): Promise<void> {
    try {
      await context.updateActivity({ type: 'message', id: activityId, attachments: [card] });
    } catch (error) {
      this.options.logger.warn('the warning card could not be updated', { requestId, activityId, error });
    }
  }

  /** The final card of `requestId` now, or undefined while it still waits for an answer. */
  async finalCardOf(requestId: string): Promise<AdaptiveCardAttachment | undefined> {
    return finalCard(await this.options.closure.get(requestId), this.options.clock());
  }
}

/** The buttonless card the chat sees, carrying the warning's refresh so Teams fetches the requester's own view. */
function waitingFor(requesterName: string | undefined, warning: AdaptiveCardContent): AdaptiveCardAttachment {
  const waiting = waitingCardFor(requesterName);
  return { ...waiting, content: { ...waiting.content, refresh: warning.refresh } };
}

/** The warning card in an outgoing message: the one card whose actions confirm a request with a nonce. */
function warningIn(activity: Partial<Activity>): { requestId: string; nonce: string; content: AdaptiveCardContent } | undefined {
  for (const attachment of activity.attachments ?? []) {
    if (attachment.contentType !== ADAPTIVE_CARD_CONTENT_TYPE) continue;
    const content = attachment.content as AdaptiveCardContent;
    const actions = Array.isArray(content?.actions) ? (content.actions as Array<{ data?: unknown }>) : [];
    for (const action of actions) {
      const payload = parseCardAction(action.data);
      if (payload && 'requestId' in payload && payload.action === CardActions.confirm) return { requestId: payload.requestId, nonce: payload.nonce, content };
    }
  }
  return undefined;
}
