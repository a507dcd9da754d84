import { TurnContext, type Activity, type AdaptiveCardInvokeResponse, type ConversationReference } from 'botbuilder';
import { type AdaptiveCardAttachment, type ClosureMode } from '../../cards/renderCard';
import { CardActions, parseCardAction, type CardActionPayload } from '../../cards/cardActions';
import { timeZoneOf } from '../../conversation/address';
import { CardMessages } from '../../conversation/cardMessages';
import { Messages } from '../../conversation/messages';
import { withoutMarkdown } from '../../conversation/plainText';
import { cardNonceMatches } from '../../services/closureRequest';
import type { ClosureService, RejectionReason } from '../../services/closureService';
import type { Logger } from '../../services/logger';
import type { TeamsAfterReply } from './afterReply';
import { invalidCard, waitingCard } from './cards';
import type { TeamsWarningCards } from './warningCards';

type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;

export interface TeamsUniversalActionsOptions {
  readonly closure: ClosureService;
  readonly cards: TeamsWarningCards;
  readonly afterReply: TeamsAfterReply;
  /** A new turn on the conversation of `reference` (CloudAdapter.continueConversationAsync with the bot's app id). */
  readonly continueConversation: (
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ) => Promise<void>;
  /**
   * Runs a press as a turn of its own, the way the bot runs every turn (dialog, state saved or forgotten).
   */
  readonly runPress: (context: TurnContext) => Promise<void>;
  /** Whether the token service still holds the presser's token, i.e. a Yes can go on without a new sign-in. */
  readonly hasToken: (context: TurnContext) => Promise<boolean>;
  readonly logger: Logger;
  readonly closureMode?: ClosureMode;
  /** Whether a handed-off request's closure was verified since: a press of its old card is told so. */
  readonly handOffVerified?: (requestId: string) => Promise<boolean>;
}

/**
 * Teams Universal Actions (`adaptiveCard/action` invokes from `Action.Execute`): the answer is the card the
 * presser sees next, a message, or an error with a status, and it is given at once. A Yes or No is then run as
 * its own turn through the same dialog as a Submit press (fresh sign-in, then the decision workflow, which
 * replaces the card for everyone by its final state). Response shapes:
 * https://learn.microsoft.com/adaptive-cards/authoring-cards/universal-action-model#response-format
 */
export class TeamsUniversalActions {
  constructor(private readonly options: TeamsUniversalActionsOptions) {}

  async onAction(context: TurnContext, runDialog: () => Promise<void>): Promise<AdaptiveCardInvokeResponse> {
    const payload = parseCardAction(context.activity.value);
    if (!payload) return errorResponse(400, 'BadRequest', CardMessages.notOurAction);
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
    if (!request || (request.status === 'pending' && !cardNonceMatches(request, payload.nonce))) return cardResponse(invalidCard());
    const ended = await this.options.cards.finalCardOf(payload.requestId, timeZoneOf(context.activity));
    if (ended) return cardResponse(ended);
    if (request.channelUserId === context.activity.from.id) {
      const own = await this.options.cards.requesterView(context, payload.requestId, payload.nonce);
      if (own) return cardResponse(own);
    }
    return cardResponse(waitingCard(request));
  }

  /**
   * Yes or No: refused at once when it cannot count (the closure service's own checks, as for every channel),
   * otherwise acknowledged at once, with the card left as it is, and carried out after by the decision workflow,
   * which updates the card once the press is recorded. A Yes that needs a new sign-in says so.
   */
  private async decide(context: TurnContext, payload: DecisionPayload): Promise<AdaptiveCardInvokeResponse> {
    const press = { channelUserId: context.activity.from.id, conversationId: context.activity.conversation.id, nonce: payload.nonce };
    const verdict: RejectionReason | 'actionable' = await this.options.closure.peek(payload.requestId, press);
    if (verdict !== 'actionable') {
      this.options.logger.info('card press refused', { requestId: payload.requestId, reason: verdict });
      // A stale card (its request ended elsewhere) is brought up to date; a foreign press changes nothing.
      if (verdict !== 'notRequester' && verdict !== 'badNonce' && verdict !== 'otherConversation')
        await this.bringUpToDate(context, payload.requestId);
      const verified = verdict === 'alreadyHandedOff' && (await this.options.handOffVerified?.(payload.requestId)) === true;
      return messageResponse(verified ? Messages.cardVerified : Messages.rejected(verdict));
    }
    // The invoke names the card's message: the workflow can update it even when the send returned no id.
    if (context.activity.replyToId) await this.options.closure.recordCard(payload.requestId, context.activity.replyToId);
    const invoke = { ...context.activity };
    this.options.afterReply.later(context, `closure ${payload.action}`, () => this.carryOut(invoke));
    // The answer promises nothing the record does not hold yet (issue 19): the card stays as it is until the
    // decision workflow has recorded the press, then shows its state ("closing", the outcome, "kept") for everyone;
    // a press that then fails leaves a card that is still true.
    if (payload.action !== CardActions.confirm) return messageResponse(CardMessages.answerReceived);
    const signedIn = await withinAnswerTime(this.options.hasToken(context));
    if (signedIn === false) return messageResponse(Messages.signInAgainToConfirm);
    return messageResponse(CardMessages.answerReceived);
  }

  /** The press as its own turn, through the same dialog and workflow as a Submit press. */
  private async carryOut(invoke: Partial<Activity>): Promise<void> {
    const reference = TurnContext.getConversationReference(invoke);
    await this.options.continueConversation(reference, async (context) => {
      asThePress(context, invoke);
      await this.options.runPress(context);
    });
  }

  private async bringUpToDate(context: TurnContext, requestId: string): Promise<void> {
    const card = await this.options.cards.finalCardOf(requestId, timeZoneOf(context.activity));
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

/**
 * How long the answer to a Yes may wait for the token service to say whether a new sign-in is needed. Teams waits
 * only a few seconds for the whole answer (see TeamsAfterReply), so this stays well below that.
 */
const TOKEN_CHECK_WAIT_MS = 1_500;

async function withinAnswerTime(check: Promise<boolean>): Promise<boolean | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), TOKEN_CHECK_WAIT_MS);
  });
  try {
    return await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}

function cardResponse(card: AdaptiveCardAttachment): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: card.contentType, value: card.content };
}

/** Teams shows `value` (a string, despite the SDK's type) as a short plain note in place of the card's answer: no Markdown. */
function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return {
    statusCode: 200,
    type: 'application/vnd.microsoft.activity.message',
    value: withoutMarkdown(text) as unknown as Record<string, unknown>,
  };
}

function errorResponse(statusCode: number, code: string, message: string): AdaptiveCardInvokeResponse {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message: withoutMarkdown(message) } };
}
