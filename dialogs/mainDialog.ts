import { ActivityTypes, MessageFactory, tokenResponseEventName, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  ComponentDialog,
  DialogSet,
  DialogTurnStatus,
  OAuthPrompt,
  WaterfallDialog,
  type DialogContext,
  type DialogState,
  type DialogStateManagerConfiguration,
  type DialogTurnResult,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { renderCard, type ClosureMode } from '../cards/renderCard';
import { CardActions, parseCardAction } from '../cards/cardActions';
import { CLOSE_ACCOUNT_DIALOG, CloseAccountDialog } from './closeAccountDialog';
import { CONFIRM_CLOSURE_DIALOG, ConfirmClosureDialog } from './confirmClosureDialog';
import type { DialogServices } from './dialogServices';
import { endedFlowAnswer, refusalOf } from '../conversation/handOffReply';
import { Messages, type HelpProgress } from '../conversation/messages';
import { timeZoneOf } from '../conversation/address';
import {
  CANCEL_WORDS,
  EXPORT_STEP_ACTIONS,
  HELP_WORDS,
  Interruptions,
  isDecision,
  pressOf,
  SIGN_OUT_WORDS,
  START_PHRASE,
  STATUS_WORDS,
  type DecisionPayload,
} from './interruptions';
import { namedStep } from './namedStep';

const MAIN_DIALOG = 'mainDialog';
/**
 * Where botbuilder-dialogs 4.23's `DialogStateManager` looks for its memory scopes before building them anew
 * (memory/dialogStateManager.js, `DIALOG_STATE_MANAGER_CONFIGURATION`; `DialogManager.stateConfiguration` shares
 * one across turns the same way). Building them cost a fifth of a welcome turn (issue 14's profile);
 * test/dialogs/memoryConfiguration.test.ts fails if the SDK stops reading this key.
 */
export const DIALOG_STATE_MANAGER_CONFIGURATION = 'DialogStateManagerConfiguration';
const ROUTE_STEPS = 'mainRouteSteps';

/** What OAuthPrompt reads as a magic code (botbuilder-dialogs 4.23 `recognizeToken`). */
const MAGIC_CODE = /^\s*\d{6}\s*$/;

/**
 * Routes each turn: start phrases and buttons begin the closure, card decisions go to the confirmation,
 * anything else gets the welcome card. Cancel, help, status and sign out interrupt at every step (interruptions.ts).
 */
export class MainDialog extends ComponentDialog {
  /** Never begun: it only signs the user out, for "sign out" and for a sign-in that arrives after its step ended. */
  private readonly signOutPrompt: OAuthPrompt;
  private readonly interruptions: Interruptions;

  constructor(private readonly services: DialogServices) {
    super(MAIN_DIALOG);
    this.signOutPrompt = new OAuthPrompt('mainSignOut', {
      connectionName: services.connectionName,
      title: Messages.signInTitle,
      text: Messages.signInPrompt,
    });
    this.addDialog(new CloseAccountDialog(services));
    this.addDialog(new ConfirmClosureDialog(services));
    this.addDialog(new WaterfallDialog(ROUTE_STEPS, [namedStep(this.routeStep.bind(this)), namedStep(this.finishStep.bind(this))]));
    this.initialDialogId = ROUTE_STEPS;
    this.interruptions = new Interruptions(services, this.signOutPrompt, ROUTE_STEPS);
  }

  /** The memory scopes and path resolvers of the first turn, shared by every later one (they hold no turn's data). */
  private stateConfiguration?: DialogStateManagerConfiguration;
  private dialogSet?: { readonly accessor: StatePropertyAccessor<DialogState>; readonly set: DialogSet };

  /** Runs the dialog stack for one turn; state is saved by the bot after the turn. */
  async run(context: TurnContext, dialogState: StatePropertyAccessor<DialogState>): Promise<void> {
    if (this.dialogSet?.accessor !== dialogState) {
      const set = new DialogSet(dialogState);
      set.add(this);
      this.dialogSet = { accessor: dialogState, set };
    }
    // Nothing waiting and nothing asked for: the welcome card, without building the dialog stack to end it at once
    // (what `routeStep` would do; most first turns of a conversation are this one).
    const waiting = (await dialogState.get(context))?.dialogStack?.length ?? 0;
    if (waiting === 0 && routeOf(context).kind === 'welcome') return sendWelcome(context, this.services.closureMode);
    if (this.stateConfiguration) context.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, this.stateConfiguration);
    const dc = await this.dialogSet.set.createContext(context);
    this.stateConfiguration ??= dc.state.configuration;
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  protected override async onContinueDialog(inner: DialogContext): Promise<DialogTurnResult> {
    return (await this.interruptions.interrupt(inner)) ?? super.onContinueDialog(inner);
  }

  /** An old card's press outside any flow: the outcome of the conversation's ended request, if it closed the account. */
  private async endedFlowAnswer(context: TurnContext, otherwise: string): Promise<string> {
    return endedFlowAnswer(this.services, (await this.services.progress.get(context))?.endedRequestId, otherwise);
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const route = routeOf(step.context);
    switch (route.kind) {
      case 'decision':
        return this.routeDecision(step, route.payload);
      case 'stepOver':
        return this.say(step, await this.endedFlowAnswer(step.context, Messages.stepOver(false)));
      case 'lateSignIn':
        // A Sign in pressed on a card whose step ended (cancelled, timed out): it must not leave the user signed in.
        await this.signOutPrompt.signOutUser(step.context);
        return this.say(step, await this.endedFlowAnswer(step.context, Messages.signInOver));
      case 'lateMagicCode':
        return this.say(step, await this.endedFlowAnswer(step.context, Messages.signInOver));
      case 'signOut':
        return this.interruptions.signOut(step.context, { endedAFlow: false }).then(() => step.endDialog());
      case 'start':
        // In a Teams group chat or channel the bot moves these to the 1:1 chat before the dialog runs (bot/teams/privateChat.ts).
        return step.beginDialog(CLOSE_ACCOUNT_DIALOG);
      case 'help':
        return this.say(step, Messages.help(await this.helpProgress(step.context), this.services.closureMode));
      case 'status':
        return this.say(step, Messages.status(await this.helpProgress(step.context), this.services.closureMode));
      case 'nothingToCancel':
        return this.say(step, Messages.nothingToCancel);
      case 'welcome':
        await sendWelcome(step.context, this.services.closureMode);
        return step.endDialog();
    }
  }

  private async finishStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  /** A press that arrives with no flow waiting for it: refuse it plainly, or confirm it with a fresh sign-in. */
  private async routeDecision(step: WaterfallStepContext, payload: DecisionPayload): Promise<DialogTurnResult> {
    if (payload.action === CardActions.refresh) return step.endDialog();
    const verdict = await this.services.closure.peek(payload.requestId, pressOf(step.context, payload));
    if (verdict !== 'actionable') return this.say(step, await refusalOf(this.services, payload.requestId, verdict));
    return step.beginDialog(CONFIRM_CLOSURE_DIALOG, payload);
  }

  /** The progress "help" and "status" describe when no flow runs: an export asked for here, if any. */
  private async helpProgress(context: TurnContext): Promise<HelpProgress> {
    const { exportRequestedAt } = await this.services.progress.get(context, {});
    return { exportRequestedAt, timeZone: timeZoneOf(context.activity) };
  }

  private async say(step: WaterfallStepContext, message: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(message);
    return step.endDialog();
  }
}

/** What a turn with no flow waiting asks for; `routeStep` acts on it. */
type Route =
  | { readonly kind: 'decision'; readonly payload: DecisionPayload }
  | {
      readonly kind: 'stepOver' | 'lateSignIn' | 'lateMagicCode' | 'signOut' | 'start' | 'help' | 'status' | 'nothingToCancel' | 'welcome';
    };

function routeOf(context: TurnContext): Route {
  const { activity } = context;
  const payload = parseCardAction(activity.value);
  const text = typeof activity.text === 'string' ? activity.text.trim().toLowerCase() : '';
  if (payload && isDecision(payload)) return { kind: 'decision', payload };
  if (payload && EXPORT_STEP_ACTIONS.has(payload.action)) return { kind: 'stepOver' };
  if (isTokenResponse(context)) return { kind: 'lateSignIn' };
  if (MAGIC_CODE.test(text)) return { kind: 'lateMagicCode' };
  if (SIGN_OUT_WORDS.has(text)) return { kind: 'signOut' };
  if (payload || START_PHRASE.test(text)) return { kind: 'start' };
  if (HELP_WORDS.has(text)) return { kind: 'help' };
  if (STATUS_WORDS.has(text)) return { kind: 'status' };
  if (CANCEL_WORDS.has(text)) return { kind: 'nothingToCancel' };
  return { kind: 'welcome' };
}

async function sendWelcome(context: TurnContext, closureMode: ClosureMode): Promise<void> {
  await context.sendActivity(MessageFactory.attachment(renderCard('welcome', {}, { closureMode })));
}

/** As a plain string: `activity.type` is a string, and comparing it with the enum member is what lint forbids. */
const EVENT_ACTIVITY: string = ActivityTypes.Event;

function isTokenResponse(context: TurnContext): boolean {
  return context.activity.type === EVENT_ACTIVITY && context.activity.name === tokenResponseEventName;
}
