import { MessageFactory, type Activity, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  ComponentDialog, DialogSet, DialogTurnStatus, WaterfallDialog,
  type DialogContext, type DialogState, type DialogTurnResult, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { CardActions, parseCardAction, renderCard, type CardActionPayload } from '../cards/renderCard';
import { CLOSE_ACCOUNT_DIALOG, CloseAccountDialog } from './closeAccountDialog';
import { CONFIRM_CLOSURE_DIALOG, ConfirmClosureDialog } from './confirmClosureDialog';
import type { DialogServices } from './dialogServices';
import { Messages } from './messages';

export const MAIN_DIALOG = 'mainDialog';
const ROUTE_STEPS = 'mainRouteSteps';

const CANCEL_WORDS = new Set(['cancel', 'stop', 'quit', 'never mind', 'nevermind', 'abort']);
const HELP_WORDS = new Set(['help', '?', 'what can you do', 'where am i']);
const START_PHRASE = /\b(close|delete|remove|cancel)\b.*\baccount\b/i;

type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;

/** A message that starts (or restarts) the closure: a start phrase, or a press of one of the flow's own buttons. */
export function isStartRequest(activity: Partial<Activity>): boolean {
  const payload = parseCardAction(activity.value);
  if (payload) return !isDecision(payload);
  return typeof activity.text === 'string' && START_PHRASE.test(activity.text.trim().toLowerCase());
}

/**
 * Routes each turn: start phrases and buttons begin the closure, card decisions go to the confirmation,
 * anything else gets the welcome card. Cancel and help interrupt at every step.
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly services: DialogServices) {
    super(MAIN_DIALOG);
    this.addDialog(new CloseAccountDialog(services));
    this.addDialog(new ConfirmClosureDialog(services));
    this.addDialog(new WaterfallDialog(ROUTE_STEPS, [this.routeStep.bind(this), this.finishStep.bind(this)]));
    this.initialDialogId = ROUTE_STEPS;
  }

  /** Runs the dialog stack for one turn; state is saved by the bot after the turn. */
  async run(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    const dialogSet = new DialogSet(dialogState);
    dialogSet.add(this);
    const dc = await dialogSet.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(inner)) ?? super.onContinueDialog(inner);
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { activity } = step.context;
    const payload = parseCardAction(activity.value);
    const text = typeof activity.text === 'string' ? activity.text.trim().toLowerCase() : '';
    if (payload && isDecision(payload)) return this.routeDecision(step, payload);
    // In a Teams group chat or channel the bot moves these to the 1:1 chat before the dialog runs (bot/teamsPrivateChat).
    if (payload || START_PHRASE.test(text)) return step.beginDialog(CLOSE_ACCOUNT_DIALOG);
    if (HELP_WORDS.has(text)) return this.say(step, Messages.help(undefined));
    if (CANCEL_WORDS.has(text)) return this.say(step, Messages.nothingToCancel);
    await step.context.sendActivity(MessageFactory.attachment(renderCard('welcome', {})));
    return step.endDialog();
  }

  private async finishStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  /** A press that arrives with no flow waiting for it: refuse it plainly, or confirm it with a fresh sign-in. */
  private async routeDecision(step: WaterfallStepContext, payload: DecisionPayload): Promise<DialogTurnResult> {
    if (payload.action === CardActions.refresh) return step.endDialog();
    const verdict = await this.services.closure.peek(payload.requestId, step.context.activity.from.id);
    if (verdict !== 'actionable') return this.say(step, Messages.rejected(verdict));
    return step.beginDialog(CONFIRM_CLOSURE_DIALOG, payload);
  }

  /** Cancel and help at any step; a decision for a different card than the one waiting is answered on the side. */
  private async interrupt(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const { activity } = inner.context;
    const text = typeof activity.text === 'string' ? activity.text.trim().toLowerCase() : '';
    const progress = await this.services.progress.get(inner.context, {});
    if (CANCEL_WORDS.has(text)) {
      if (progress.requestId) await this.services.closure.cancelPending(progress.requestId, activity.from.id);
      await this.services.progress.set(inner.context, {});
      await inner.context.sendActivity(Messages.cancelled);
      return inner.cancelAllDialogs();
    }
    if (HELP_WORDS.has(text)) {
      await inner.context.sendActivity(Messages.help(progress.step));
      return { status: DialogTurnStatus.waiting };
    }
    const payload = parseCardAction(activity.value);
    if (payload && isDecision(payload) && payload.requestId !== progress.requestId) {
      const verdict = await this.services.closure.peek(payload.requestId, activity.from.id);
      await inner.context.sendActivity(Messages.rejected(verdict === 'actionable' ? 'unknownRequest' : verdict));
      return { status: DialogTurnStatus.waiting };
    }
    return undefined;
  }

  private async say(step: WaterfallStepContext, message: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(message);
    return step.endDialog();
  }
}

function isDecision(payload: CardActionPayload): payload is DecisionPayload {
  return 'requestId' in payload;
}
