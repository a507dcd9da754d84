import type { Activity, TurnContext } from 'botbuilder';
import { DialogTurnStatus, type DialogContext, type DialogTurnResult, type OAuthPrompt } from 'botbuilder-dialogs';
import { CardActions, parseCardAction, type CardActionPayload } from '../cards/cardActions';
import type { Press, RejectionReason } from '../services/closureService';
import { markForgetUser, type ConversationProgress } from '../conversation/progress';
import type { DialogServices } from './dialogServices';
import { refusalOf } from '../conversation/handOffReply';
import { Messages } from '../conversation/messages';
import { timeZoneOf } from '../conversation/address';
import { commandWords, startPhrase } from '../locales/i18n';
import { showWarningAgain } from './warningAgain';

// The words people type, in every language the bot speaks (locales/*.json `commands`), lower case.
export const CANCEL_WORDS = commandWords('cancel');
export const HELP_WORDS = commandWords('help');
export const STATUS_WORDS = commandWords('status');
export const SIGN_OUT_WORDS = commandWords('signOut');
export const START_PHRASE = startPhrase();
/** Presses that belong to the export offer: outside it they are from a finished step. */
export const EXPORT_STEP_ACTIONS: ReadonlySet<string> = new Set([
  CardActions.exportData,
  CardActions.skipExport,
  CardActions.proceed,
  CardActions.waitForExport,
]);

export type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;
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
 * What interrupts a waiting flow, at any step: cancel, help, status and sign out, a press from a finished step,
 * a restart, and a decision for a different card than the one waiting (answered on the side). The main dialog
 * asks first on every turn that continues its stack (mainDialog.ts `onContinueDialog`).
 */
export class Interruptions {
  constructor(
    private readonly services: DialogServices,
    /** Never begun: it only signs the user out. */
    private readonly signOutPrompt: OAuthPrompt,
    /** Begun anew when the flow restarts from the top. */
    private readonly restartDialogId: string,
  ) {}

  /** The turn's answer when it interrupts the waiting flow; `undefined` lets the flow continue. */
  async interrupt(inner: DialogContext): Promise<DialogTurnResult | undefined> {
    const { activity } = inner.context;
    const text = typeof activity.text === 'string' ? activity.text.trim().toLowerCase() : '';
    const progress = await this.services.progress.get(inner.context, {});
    if (CANCEL_WORDS.has(text)) {
      const closedElsewhere = await this.cancelPending(inner.context, progress);
      await this.services.progress.set(inner.context, {});
      await inner.context.sendActivity(closedElsewhere ? Messages.accountClosedElsewhere : Messages.cancelled);
      return inner.cancelAllDialogs();
    }
    if (HELP_WORDS.has(text) || STATUS_WORDS.has(text)) {
      const where = { ...progress, timeZone: timeZoneOf(inner.context.activity) };
      await inner.context.sendActivity(
        HELP_WORDS.has(text) ? Messages.help(where, this.services.closureMode) : Messages.status(where, this.services.closureMode),
      );
      // The waiting step's card below the words (sign-in, export offer, warning): the first may never have arrived.
      await inner.repromptDialog();
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
      if (progress.step === 'warning') await showWarningAgain(this.services, inner.context, Messages.stepOver(true));
      else await inner.context.sendActivity(Messages.stepOver(false));
      return { status: DialogTurnStatus.waiting };
    }
    const restart = payload?.action === CardActions.start || (!payload && START_PHRASE.test(text));
    if (restart && progress.step === 'exportOffer') {
      // "close my account" or the ready message's Continue while the export offer waits: look again from the start
      // (the export may be ready now), instead of "please choose" on an offer the user has moved past.
      await inner.cancelAllDialogs();
      return inner.beginDialog(this.restartDialogId);
    }
    if (progress.step === 'warning' && progress.requestId && !(payload && isDecision(payload))) {
      // The warning expired or was refused meanwhile (background expiry, a refused Teams press): its waiting step
      // ends, so "close my account" starts again at once instead of "press Yes on the card" (issue 11).
      const request = await this.services.closure.get(progress.requestId);
      if (!request || request.status !== 'pending' || Date.parse(request.expiresAt) <= this.services.clock().getTime()) {
        await this.services.progress.set(inner.context, {});
        await inner.cancelAllDialogs();
        return inner.beginDialog(this.restartDialogId);
      }
    }
    if (restart && progress.step === 'warning') {
      await showWarningAgain(this.services, inner.context, Messages.warningStillWaiting(this.services.closureMode));
      return { status: DialogTurnStatus.waiting };
    }
    if (payload && isDecision(payload) && payload.requestId !== progress.requestId) {
      const verdict = await this.services.closure.peek(payload.requestId, pressOf(inner.context, payload));
      // While the latest warning waits, "start again" would not fit: that warning is the one to answer.
      const startsAgain = verdict === 'actionable' || STARTS_AGAIN.has(verdict);
      if (progress.step === 'warning' && startsAgain) await showWarningAgain(this.services, inner.context, Messages.otherCardWhileWarning);
      else
        await inner.context.sendActivity(
          await refusalOf(this.services, payload.requestId, verdict === 'actionable' ? 'unknownRequest' : verdict),
        );
      return { status: DialogTurnStatus.waiting };
    }
    return undefined;
  }

  /**
   * Ends the flow's pending request, if any. Returns whether the account's record says it was closed from another
   * chat: then "nothing has been closed" would be false, and the conversation's personal data goes.
   */
  async cancelPending(context: TurnContext, progress: ConversationProgress): Promise<boolean> {
    const closedElsewhere = progress.requestId
      ? (await this.services.workflow.cancel(progress.requestId, context.activity.from.id, this.services.closureChannel(context))) ===
        'closedElsewhere'
      : progress.account !== undefined && (await this.services.closure.isAccountClosed(progress.account));
    if (closedElsewhere) markForgetUser(context);
    return closedElsewhere;
  }

  /** Signs the user out of the bot's connection; on Teams, SSO signs the same Teams account in again, so say so. */
  async signOut(context: TurnContext, said: { endedAFlow: boolean; closedElsewhere?: boolean }): Promise<void> {
    await this.signOutPrompt.signOutUser(context);
    if (said.closedElsewhere) await context.sendActivity(Messages.accountClosedElsewhere);
    else
      await context.sendActivity(
        context.activity.channelId === 'msteams' ? Messages.signedOutTeams(said.endedAFlow) : Messages.signedOut(said.endedAFlow),
      );
  }
}

export function pressOf(context: TurnContext, payload: DecisionPayload): Press {
  return { channelUserId: context.activity.from.id, conversationId: context.activity.conversation.id, nonce: payload.nonce };
}

export function isDecision(payload: CardActionPayload): payload is DecisionPayload {
  return 'requestId' in payload;
}
