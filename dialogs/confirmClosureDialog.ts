import { MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import { ComponentDialog, OAuthPrompt, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CardActions, type CardActionPayload } from '../cards/renderCard';
import type { ConfirmResult } from '../services/closureService';
import { isAppError } from '../services/errors';
import { markForgetUser, type DialogServices } from './dialogServices';
import { handOffReply } from './handOffReply';
import { Messages } from './messages';

export const CONFIRM_CLOSURE_DIALOG = 'confirmClosureDialog';
const STEPS = 'confirmClosureSteps';
const REAUTHENTICATE_PROMPT = 'confirmClosureSignIn';

type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;

/**
 * Acts on a press of the warning card. A Yes counts only with a fresh proof of identity: the sign-in is run
 * again here (silently when the token service still has the user's token), and the closure service checks
 * requester, account, nonce, expiry and status before anything is closed.
 */
export class ConfirmClosureDialog extends ComponentDialog {
  private readonly signIn: OAuthPrompt;

  constructor(private readonly services: DialogServices) {
    super(CONFIRM_CLOSURE_DIALOG);
    this.signIn = new OAuthPrompt(REAUTHENTICATE_PROMPT, {
      connectionName: services.connectionName,
      title: Messages.signInTitle,
      text: Messages.signInPrompt,
      timeout: services.signInTimeoutMs,
      // The link itself on every channel: the Emulator and Web Chat open it (sandbox page or Azure's), Teams requires it.
      showSignInLink: true,
    });
    this.addDialog(this.signIn);
    this.addDialog(new WaterfallDialog(STEPS, [this.reauthenticateStep.bind(this), this.decideStep.bind(this)]));
    this.initialDialogId = STEPS;
  }

  private async reauthenticateStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const decision = step.options as DecisionPayload;
    if (decision.action !== CardActions.confirm) {
      const result = await this.services.closure.decline(decision.requestId, decision.nonce, step.context.activity.from.id);
      await this.services.progress.set(step.context, {});
      await step.context.sendActivity(result.kind === 'declined' ? Messages.declined : Messages.rejected(result.reason));
      return step.endDialog(result);
    }
    return step.beginDialog(REAUTHENTICATE_PROMPT);
  }

  private async decideStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const decision = step.options as DecisionPayload;
    const token = (step.result as { token?: string } | undefined)?.token;
    if (!token) {
      await step.context.sendActivity(Messages.signInFailed);
      return step.endDialog();
    }
    let result: ConfirmResult;
    try {
      const identity = await this.services.directory.whoAmI(token);
      await this.services.progress.set(step.context, { step: 'closing', requestId: decision.requestId });
      result = await this.services.closure.confirm(decision.requestId, decision.nonce, { channelUserId: step.context.activity.from.id, identity });
      if (result.kind === 'closed') await this.forgetUser(step.context, identity);
      await step.context.sendActivity(this.describe(result, identity.upn));
      // Told in this turn: the reconciler need not tell again, and the conversation reference can go.
      if (result.kind !== 'stillClosing') await this.services.closure.markNotified(decision.requestId);
    } catch (error) {
      if (!isAppError(error)) throw error;
      this.services.logger.warn('confirmation could not be processed', { requestId: decision.requestId, errorCode: error.code, error });
      await step.context.sendActivity(error.userMessage);
      result = { kind: 'failed', requestId: decision.requestId, error };
    }
    if (result.kind !== 'closed') await this.services.progress.set(step.context, {});
    return step.endDialog(result);
  }

  private describe(result: ConfirmResult, upn: string): Partial<Activity> {
    switch (result.kind) {
      case 'closed': return MessageFactory.text(Messages.closed(upn, result.requestId, result.closedAt));
      case 'handedOff': return handOffReply(result, upn);
      case 'notEligible': return MessageFactory.text(Messages.noLongerEligible(result.verdict));
      case 'stillClosing': return MessageFactory.text(Messages.stillClosing);
      case 'failed': return MessageFactory.text(result.error.userMessage);
      case 'rejected': return MessageFactory.text(Messages.rejected(result.reason));
    }
  }

  /** After a closure: sign out and drop what the bot holds about this person (the audit keeps ids only). */
  private async forgetUser(context: TurnContext, identity: { objectId: string; tenantId: string }): Promise<void> {
    await this.signIn.signOutUser(context);
    await this.services.exports.forget(identity);
    markForgetUser(context);
  }
}
