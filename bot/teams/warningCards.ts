import type { Activity, BotState, ResourceResponse, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCardAttachment, type AdaptiveCardContent } from '../../cards/renderCard';
import { buttonsOn, CardActions, parseCardAction } from '../../cards/cardActions';
import type { ClosureMode } from '../../cards/renderCard';
import type { ClosureService } from '../../services/closureService';
import type { Logger } from '../../services/logger';
import { finalCard, waitingCardFor } from './cards';

/** One warning card the requester was sent in Teams; the id of its message is kept on the request itself. */
interface TrackedCard {
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
  readonly closureMode?: ClosureMode;
  /** Whether a handed-off request's closure was verified since: its card then says so. */
  readonly handOffVerified?: (requestId: string) => Promise<boolean>;
}

/**
 * Remembers each warning card sent in Teams: its content in the requester's conversation state, so the card can
 * be given back to its requester on a Universal Actions refresh, and the id of its message on the closure
 * request, so the decision workflow can replace it by its final state from any instance, whatever ended it.
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
      // Each warning card goes in an activity of its own, its text in the one before: a connector may answer a
      // message with text and a card with 202 and no id (the Agents Playground does), and the card's id is what
      // its later updates need. The array is the one `next` sends, so it is rearranged in place.
      const warnings: Array<ReturnType<typeof warningIn>> = [];
      const shared = turn.activity.conversation?.conversationType !== 'personal';
      for (let index = 0; index < activities.length; index++) {
        const warning = warningIn(activities[index]);
        if (!warning) {
          warnings.push(undefined);
          continue;
        }
        const { text, speak: _speak, ...rest } = activities[index];
        const card = shared
          ? waitingFor(turn.activity.from?.name, warning.content)
          : { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: warning.content };
        const cardOnly: Partial<Activity> = { ...rest, attachments: [card] };
        if (text) {
          activities.splice(index, 1, { ...rest, attachments: [], text }, cardOnly);
          warnings.push(undefined);
          index += 1;
        } else {
          activities[index] = cardOnly;
        }
        warnings.push(warning);
      }
      const responses: ResourceResponse[] = await next();
      for (const [index, card] of warnings.entries()) {
        if (!card) continue;
        const tracked = await this.cards.get(turn, {});
        tracked[card.requestId] = { content: JSON.stringify(card.content).split(card.nonce).join(NONCE_SLOT) };
        await this.cards.set(turn, tracked);
        // A connector may answer 202 with no id (allowed by the Bot Connector API): then the card's later
        // state is sent as a new message (bot/botClosureChannel.ts), or the id comes with the first press.
        const activityId = responses[index]?.id;
        if (activityId) await this.options.closure.recordCard(card.requestId, activityId);
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

  /** The final card of `requestId` now (its time in `timeZone`, else UTC), or undefined while it still waits for an answer. */
  async finalCardOf(requestId: string, timeZone?: string): Promise<AdaptiveCardAttachment | undefined> {
    const request = await this.options.closure.get(requestId);
    const handOffVerified = request?.status === 'handedOff' && (await this.options.handOffVerified?.(requestId)) === true;
    return finalCard(request, this.options.clock(), timeZone, { closureMode: this.options.closureMode, handOffVerified });
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
    for (const button of buttonsOn(content)) {
      const payload = parseCardAction(button.data);
      if (payload && 'requestId' in payload && payload.action === CardActions.confirm)
        return { requestId: payload.requestId, nonce: payload.nonce, content };
    }
  }
  return undefined;
}
