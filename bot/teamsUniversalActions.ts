import {
  TurnContext,
  type Activity, type AdaptiveCardInvokeResponse, type ConversationReference,
} from 'botbuilder';
import { CardActions, parseCardAction, type AdaptiveCardAttachment, type CardActionPayload } from '../cards/renderCard';
import { CardMessages, Messages } from '../dialogs/messages';
import { nonceMatches } from '../services/closureRequest';
import type { ClosureService, RejectionReason } from '../services/closureService';
import type { Logger } from '../services/logger';
import type { TeamsAfterReply } from './teamsAfterReply';
import { closingCard, invalidCard, keptCard, waitingCard } from './teamsCards';
import type { TeamsWarningCards } from './teamsWarningCards';

type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;

export interface TeamsUniversalActionsOptions {
  readonly closure: ClosureService;
  readonly cards: TeamsWarningCards;
  readonly afterReply: TeamsAfterReply;
  /** A new turn on the conversation of `reference` (CloudAdapter.continueConversationAsync with the bot's app id). */
  readonly continueConversation: (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => Promise<void>;
  /**
   * Runs a press as a turn of its own, the way the bot runs every turn (dialog, state saved or forgotten);
   * `beforeSave` runs after the dialog, while the turn's state is still there.
   */
  readonly runPress: (context: TurnContext, beforeSave: (context: TurnContext) => Promise<void>) => Promise<void>;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/**
 * Teams Universal Actions (`adaptiveCard/action` invokes from `Action.Execute`): the answer is the card the
 * presser sees next, a message, or an error with a status, and it is given at once. A Yes or No is then run as
 * its own turn through the same dialog as a Submit press (fresh sign-in, closure service checks), after which
 * the card is replaced for everyone by its final state. Response shapes:
 * https://learn.microsoft.com/adaptive-cards/authoring-cards/universal-action-model#response-format
 */
export class TeamsUniversalActions {
  constructor(private readonly options: TeamsUniversalActionsOptions) {}

  async onAction(context: TurnContext, runDialog: () => Promise<void>): Promise<AdaptiveCardInvokeResponse> {
    const payload = parseCardAction(context.activity.value);
    if (!payload) return errorResponse(400, 'BadRequest', 'That is not one of this bot\'s card actions.');
    if (!('requestId' in payload)) {
      // Our other cards use Action.Submit; an Execute of theirs is still a press the dialog understands.
      await runDialog();
      return messageResponse(CardMessages.handled);
    }
    if (payload.action === CardActions.refresh) return this.refresh(context, payload);
    return this.decide(context, payload);
  }

  /** Teams asks for the current view of the card: the requester gets the buttons, everybody else the state. */
  private async refresh(context: TurnContext, payload: DecisionPayload): Promise<AdaptiveCardInvokeResponse> {
    const request = await this.options.closure.get(payload.requestId);
    if (!request || (request.status === 'pending' && !nonceMatches(payload.nonce, request.nonceHash))) return cardResponse(invalidCard());
    const ended = await this.options.cards.finalCardOf(payload.requestId);
    if (ended) return cardResponse(ended);
    if (request.channelUserId === context.activity.from.id) {
      const own = await this.options.cards.requesterView(context, payload.requestId, payload.nonce);
      if (own) return cardResponse(own);
    }
    return cardResponse(waitingCard(request));
  }

  /** Yes or No: refused at once when it cannot count, otherwise acknowledged at once and carried out after. */
  private async decide(context: TurnContext, payload: DecisionPayload): Promise<AdaptiveCardInvokeResponse> {
    const presser = context.activity.from.id;
    const verdict = await this.options.closure.peek(payload.requestId, presser);
    const request = verdict === 'actionable' ? await this.options.closure.get(payload.requestId) : undefined;
    const refusal: RejectionReason | undefined = verdict !== 'actionable' ? verdict
      : !request || !nonceMatches(payload.nonce, request.nonceHash) ? 'badNonce'
      : this.options.clock().getTime() >= Date.parse(request.expiresAt) ? 'expired'
      : undefined;
    if (refusal) {
      this.options.logger.info('card press refused', { requestId: payload.requestId, reason: refusal });
      // A stale card (its request ended elsewhere) is brought up to date; a foreign press changes nothing.
      if (refusal !== 'notRequester' && refusal !== 'badNonce') await this.bringUpToDate(context, payload.requestId);
      return messageResponse(Messages.rejected(refusal));
    }
    const invoke = { ...context.activity };
    this.options.afterReply.later(context, `closure ${payload.action}`, () => this.carryOut(invoke, payload));
    return cardResponse(payload.action === CardActions.confirm ? closingCard(payload.requestId) : keptCard(payload.requestId));
  }

  /** The press as its own turn, then the card's final state for everyone (or the requester's view again if it still waits). */
  private async carryOut(invoke: Partial<Activity>, payload: DecisionPayload): Promise<void> {
    const reference = TurnContext.getConversationReference(invoke);
    await this.options.continueConversation(reference, async (context) => {
      asThePress(context, invoke);
      await this.options.runPress(context, async (turn) => {
        const activityId = invoke.replyToId || (await this.options.cards.activityIdOf(turn, payload.requestId));
        const ended = await this.options.cards.finalCardOf(payload.requestId);
        const card = ended ?? (await this.options.cards.requesterView(turn, payload.requestId, payload.nonce));
        if (activityId && card) await this.options.cards.replace(turn, activityId, card, payload.requestId);
        if (ended) await this.options.cards.forget(turn, payload.requestId);
      });
    });
  }

  private async bringUpToDate(context: TurnContext, requestId: string): Promise<void> {
    const card = await this.options.cards.finalCardOf(requestId);
    const activityId = context.activity.replyToId;
    if (card && activityId) await this.options.cards.replace(context, activityId, card, requestId);
  }
}

/**
 * The proactive turn starts as a `ContinueConversation` event; it becomes the press Teams sent (same user,
 * conversation, card and value) as a message, the activity type prompts wait for. The value keeps its
 * `Action.Execute` shape, which `parseCardAction` checks (verb and data must agree).
 */
function asThePress(context: TurnContext, invoke: Partial<Activity>): void {
  const activity = context.activity;
  delete activity.name;
  activity.type = 'message';
  activity.id = invoke.id;
  activity.from = invoke.from ?? activity.from;
  activity.conversation = invoke.conversation ?? activity.conversation;
  activity.channelData = invoke.channelData as unknown;
  activity.replyToId = invoke.replyToId;
  activity.value = invoke.value as unknown;
  // A card press carries no text; the dialogs guard text and read the press from `value` only.
  activity.text = '';
}

function cardResponse(card: AdaptiveCardAttachment): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: card.contentType, value: card.content };
}

/** Teams shows `value` (a string, despite the SDK's type) as a short note in place of the card's answer. */
function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
}

function errorResponse(statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } };
}
