import {
  ActivityTypes,
  MessageFactory,
  tokenResponseEventName,
  type Activity,
  type StatePropertyAccessor,
  type TurnContext,
} from 'botbuilder';
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
import { CardActions, parseCardAction, type CardActionPayload } from '../cards/cardActions';
import { CLOSE_ACCOUNT_DIALOG, CloseAccountDialog } from './closeAccountDialog';
import { CONFIRM_CLOSURE_DIALOG, ConfirmClosureDialog } from './confirmClosureDialog';
import type { Press, RejectionReason } from '../services/closureService';
import { markForgetUser, type ConversationProgress } from '../conversation/progress';
import type { DialogServices } from './dialogServices';
import { endedFlowAnswer, refusalOf } from '../conversation/handOffReply';
import { Messages, type HelpProgress } from '../conversation/messages';
import { timeZoneOf } from '../conversation/address';
import { commandWords, startPhrase } from '../locales/i18n';
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

// The words people type, in every language the bot speaks (locales/*.json `commands`), lower case.
const CANCEL_WORDS = commandWords('cancel');
const HELP_WORDS = commandWords('help');
const STATUS_WORDS = commandWords('status');
const SIGN_OUT_WORDS = commandWords('signOut');
const START_PHRASE = startPhrase();
/** What OAuthPrompt reads as a magic code (botbuilder-dialogs 4.23 `recognizeToken`). */
const MAGIC_CODE = /^\s*\d{6}\s*$/;
/** Presses that belong to the export offer: outside it they are from a finished step. */
const EXPORT_STEP_ACTIONS: ReadonlySet<string> = new Set([
  CardActions.exportData,
  CardActions.skipExport,
  CardActions.proceed,
  CardActions.waitForExport,
]);

type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;
/** Refusals whose sentence tells the person to start again (locales `rejected.*`). */
const STARTS_AGAIN: ReadonlySet<RejectionReason> = new Set(['unknownRequest', 'differentAccount', 'expired', 'cancelled', 'failedBefore']);

/** A message that starts (or restarts) the closure: a start phrase, or a press of a "close my account" button. */
export function isStartRequest(activity: Partial<Activity>): boolean {
  const payload = parseCardAction(activity.value);
  if (payload) return payload.action === CardActions.start;
  return typeof activity.text === 'string' && START_PHRASE.test(activity.text.trim().toLowerCase());
}

/**
 * "cancel", "help", "status" or "sign out": about the person's own flow, which in Teams runs in their 1:1 chat
 * with the bot, so asked in a group chat or channel they are answered there (bot/teams/privateChat.ts).
 */
export function isPersonalCommand(activity: Partial<Activity>): boolean {
  if (parseCardAction(activity.value)) return false;
  const text = typeof activity.text === 'string' ? activity.text.trim().toLowerCase() : '';
  return CANCEL_WORDS.has(text) || HELP_WORDS.has(text) || STATUS_WORDS.has(text) || SIGN_OUT_WORDS.has(text);
}

/**
 * Routes each turn: start phrases and buttons begin the closure, card decisions go to the confirmation,
 * anything else gets the welcome card. Cancel and help interrupt at every step.
 */
export class MainDialog extends ComponentDialog {
  /** Never begun: it only signs the user out, for "sign out" and for a sign-in that arrives after its step ended. */
  private readonly signOutPrompt: OAuthPrompt;

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
    return (await this.interrupt(inner)) ?? super.onContinueDialog(inner);
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
        return this.signOut(step.context, { endedAFlow: false }).then(() => step.endDialog());
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

  /** Cancel and help at any step; a decision for a different card than the one waiting is answered on the side. */
  private async interrupt(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const { activity } = inner.context;
    const text = typeof activity.text === 'string' ? activity.text.trim().toLowerCase() : '';
    const progress = await this.services.progress.get(inner.context, {});
    if (CANCEL_WORDS.has(text)) {
      const closedElsewhere = await this.cancelPending(inner.context, progress);
      await this.services.progress.set(inner.context, {});
      await inner.context.sendActivity(closedElsewhere ? Messages.accountClosedElsewhere : Messages.cancelled);
      return inner.cancelAllDialogs();
    }
    if (HELP_WORDS.has(text)) {
      await inner.context.sendActivity(
        Messages.help({ ...progress, timeZone: timeZoneOf(inner.context.activity) }, this.services.closureMode),
      );
      return { status: DialogTurnStatus.waiting };
    }
    if (STATUS_WORDS.has(text)) {
      await inner.context.sendActivity(
        Messages.status({ ...progress, timeZone: timeZoneOf(inner.context.activity) }, this.services.closureMode),
      );
      return { status: DialogTurnStatus.waiting };
    }
    if (SIGN_OUT_WORDS.has(text) && progress.step !== 'closing') {
      const closedElsewhere = await this.cancelPending(inner.context, progress);
      await this.services.progress.set(inner.context, {});
      await this.signOut(inner.context, { endedAFlow: true, closedElsewhere });
      return inner.cancelAllDialogs();
    }
    const payload = parseCardAction(activity.value);
    if (payload && EXPORT_STEP_ACTIONS.has(payload.action) && progress.step !== 'exportOffer') {
      await inner.context.sendActivity(Messages.stepOver(progress.step === 'warning'));
      return { status: DialogTurnStatus.waiting };
    }
    const restart = payload?.action === CardActions.start || (!payload && START_PHRASE.test(text));
    if (restart && progress.step === 'exportOffer') {
      // "close my account" or the ready message's Continue while the export offer waits: look again from the start
      // (the export may be ready now), instead of "please choose" on an offer the user has moved past.
      await inner.cancelAllDialogs();
      return inner.beginDialog(ROUTE_STEPS);
    }
    if (progress.step === 'warning' && progress.requestId && !(payload && isDecision(payload))) {
      // The warning expired or was refused meanwhile (background expiry, a refused Teams press): its waiting step
      // ends, so "close my account" starts again at once instead of "press Yes on the card" (issue 11).
      const request = await this.services.closure.get(progress.requestId);
      if (!request || request.status !== 'pending' || Date.parse(request.expiresAt) <= this.services.clock().getTime()) {
        await this.services.progress.set(inner.context, {});
        await inner.cancelAllDialogs();
        return inner.beginDialog(ROUTE_STEPS);
      }
    }
    if (payload?.action === CardActions.start && progress.step === 'warning') {
      await inner.context.sendActivity(Messages.warningStillWaiting(this.services.closureMode));
      return { status: DialogTurnStatus.waiting };
    }
    if (payload && isDecision(payload) && payload.requestId !== progress.requestId) {
      const verdict = await this.services.closure.peek(payload.requestId, pressOf(inner.context, payload));
      // While the latest warning waits, "start again" would not fit: that warning is the one to answer.
      const startsAgain = verdict === 'actionable' || STARTS_AGAIN.has(verdict);
      await inner.context.sendActivity(
        progress.step === 'warning' && startsAgain
          ? Messages.otherCardWhileWarning
          : await refusalOf(this.services, payload.requestId, verdict === 'actionable' ? 'unknownRequest' : verdict),
      );
      return { status: DialogTurnStatus.waiting };
    }
    return undefined;
  }

  /**
   * Ends the flow's pending request, if any. Returns whether the account's record says it was closed from another
   * chat: then "nothing has been closed" would be false, and the conversation's personal data goes.
   */
  private async cancelPending(context: TurnContext, progress: ConversationProgress): Promise<boolean> {
    const closedElsewhere = progress.requestId
      ? (await this.services.workflow.cancel(progress.requestId, context.activity.from.id, this.services.closureChannel(context))) ===
        'closedElsewhere'
      : progress.account !== undefined && (await this.services.closure.isAccountClosed(progress.account));
    if (closedElsewhere) markForgetUser(context);
    return closedElsewhere;
  }

  /** The progress "help" and "status" describe when no flow runs: an export asked for here, if any. */
  private async helpProgress(context: TurnContext): Promise<HelpProgress> {
    const { exportRequestedAt } = await this.services.progress.get(context, {});
    return { exportRequestedAt, timeZone: timeZoneOf(context.activity) };
  }

  /** Signs the user out of the bot's connection; on Teams, SSO signs the same Teams account in again, so say so. */
  private async signOut(context: TurnContext, said: { endedAFlow: boolean; closedElsewhere?: boolean }): Promise<void> {
    await this.signOutPrompt.signOutUser(context);
    if (said.closedElsewhere) await context.sendActivity(Messages.accountClosedElsewhere);
    else
      await context.sendActivity(
        context.activity.channelId === 'msteams' ? Messages.signedOutTeams(said.endedAFlow) : Messages.signedOut(said.endedAFlow),
      );
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

function pressOf(context: TurnContext, payload: DecisionPayload): Press {
  return { channelUserId: context.activity.from.id, conversationId: context.activity.conversation.id, nonce: payload.nonce };
}

/** As a plain string: `activity.type` is a string, and comparing it with the enum member is what lint forbids. */
const EVENT_ACTIVITY: string = ActivityTypes.Event;

function isTokenResponse(context: TurnContext): boolean {
  return context.activity.type === EVENT_ACTIVITY && context.activity.name === tokenResponseEventName;
}

function isDecision(payload: CardActionPayload): payload is DecisionPayload {
  return 'requestId' in payload;
}
