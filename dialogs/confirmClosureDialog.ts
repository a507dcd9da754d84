import type { TurnContext } from 'botbuilder';
import { ComponentDialog, OAuthPrompt, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { CardActions, type CardActionPayload } from '../cards/cardActions';
import type { ConfirmResult, Press, RejectionReason } from '../services/closureService';
import { isAppError } from '../services/errors';
import type { VerifiedIdentity } from '../services/identity';
import type { DialogServices } from './dialogServices';
import { refusalOf } from '../conversation/handOffReply';
import { Messages } from '../conversation/messages';
import { namedStep } from './namedStep';
import { SignInPrompt } from './signInPrompt';

export const CONFIRM_CLOSURE_DIALOG = 'confirmClosureDialog';
const STEPS = 'confirmClosureSteps';
const REAUTHENTICATE_PROMPT = 'confirmClosureSignIn';

type DecisionPayload = Extract<CardActionPayload, { requestId: string }>;

/**
 * Acts on a press of the warning card. A Yes counts only with a fresh proof of identity: the sign-in is run
 * again here (silently when the token service still has the user's token; otherwise the user is told first why
 * a sign-in card follows). Then the decision workflow (services/closureWorkflow.ts) does the rest, the same for
 * every channel: the closure service's checks, the closure, telling the outcome, forgetting, the card.
 */
export class ConfirmClosureDialog extends ComponentDialog {
  private readonly signIn: OAuthPrompt;

  constructor(private readonly services: DialogServices) {
    super(CONFIRM_CLOSURE_DIALOG);
    // The closure's own sign-in prompt: every message while it waits is answered, with the card again (a lost reply).
    this.signIn = new SignInPrompt(REAUTHENTICATE_PROMPT, {
      connectionName: services.connectionName,
      timeout: services.signInTimeoutMs,
      // The link itself on every channel: the Emulator and Web Chat open it (sandbox page or Azure's), Teams requires it.
      showSignInLink: true,
    });
    this.addDialog(this.signIn);
    this.addDialog(new WaterfallDialog(STEPS, [namedStep(this.reauthenticateStep.bind(this)), namedStep(this.decideStep.bind(this))]));
    this.initialDialogId = STEPS;
  }

  private async reauthenticateStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const decision = step.options as DecisionPayload;
    if (decision.action !== CardActions.confirm) {
      await this.services.workflow.decline(decision.requestId, pressOf(step.context, decision), this.services.closureChannel(step.context));
      await this.services.progress.set(step.context, {});
      return step.endDialog();
    }
    // A press that can no longer count (closed meanwhile by a concurrent press, expired) is answered as such,
    // never with a sign-in card for an account that is gone.
    const verdict = await this.services.closure.peek(decision.requestId, pressOf(step.context, decision));
    if (verdict !== 'actionable') return this.refuse(step, verdict);
    // Still signed in: that token goes on to be checked with the directory, as the prompt would hand it over after
    // asking the token service the same question again (one call fewer per closure, issue 14).
    const signedIn = await this.signIn.getUserToken(step.context);
    if (signedIn?.token) return step.next(signedIn);
    // Said before the sign-in card, so the press is not mistaken for lost (issue 11).
    await step.context.sendActivity(Messages.signInAgainToConfirm);
    return step.beginDialog(REAUTHENTICATE_PROMPT);
  }

  private async decideStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const decision = step.options as DecisionPayload;
    const token = (step.result as { token?: string } | undefined)?.token;
    if (!token) {
      await step.context.sendActivity(Messages.signInFailed);
      return step.endDialog();
    }
    let identity: VerifiedIdentity;
    try {
      identity = await this.services.directory.whoAmI(token);
    } catch (error) {
      // The directory did not say who signed in: the closure service never saw the press, nothing started.
      if (!isAppError(error)) throw error;
      this.services.logger.warn('confirmation could not be processed', { requestId: decision.requestId, errorCode: error.code, error });
      // The account may have been closed by a concurrent press meanwhile (its token then fails): say that instead.
      const verdict = await this.services.closure.peek(decision.requestId, pressOf(step.context, decision));
      if (verdict !== 'actionable') return this.refuse(step, verdict);
      await step.context.sendActivity(Messages.error(error));
      await this.services.progress.set(step.context, {});
      return step.endDialog();
    }
    await this.services.progress.set(step.context, { step: 'closing', requestId: decision.requestId });
    // From here an error goes to the turn-error reply, which never claims that nothing was closed.
    const result: ConfirmResult = await this.services.workflow.confirm(
      decision.requestId,
      pressOf(step.context, decision),
      identity,
      this.services.closureChannel(step.context),
    );
    if (result.kind !== 'closed') await this.services.progress.set(step.context, {});
    return step.endDialog(result);
  }

  private async refuse(step: WaterfallStepContext, reason: RejectionReason): Promise<DialogTurnResult> {
    const decision = step.options as DecisionPayload;
    await step.context.sendActivity(await refusalOf(this.services, decision.requestId, reason));
    if (reason === 'expired') await this.services.workflow.expire(decision.requestId, this.services.closureChannel(step.context));
    await this.services.progress.set(step.context, {});
    return step.endDialog();
  }
}

function pressOf(context: TurnContext, decision: DecisionPayload): Press {
  return { channelUserId: context.activity.from.id, conversationId: context.activity.conversation.id, nonce: decision.nonce };
}
