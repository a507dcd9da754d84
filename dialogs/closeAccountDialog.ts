import { MessageFactory, type TurnContext } from 'botbuilder';
import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { renderCard } from '../cards/renderCard';
import { CardActions, type CardActionPayload } from '../cards/cardActions';
import { isAppError } from '../services/errors';
import type { VerifiedIdentity } from '../services/identity';
import { CardActionPrompt } from './cardActionPrompt';
import { endFlow, exportChoicePrompt, requestExport } from './exportOffer';
import { CONFIRM_CLOSURE_DIALOG } from './confirmClosureDialog';
import { breakableAddress, isolateText } from '../conversation/plainText';
import { SignInPrompt } from './signInPrompt';
import { markForgetUser, type ConversationProgress } from '../conversation/progress';
import type { DialogServices } from './dialogServices';
import { conversationAddressOf, timeZoneOf } from '../conversation/address';
import { formatTime } from '../conversation/formatting';
import { Messages } from '../conversation/messages';
import { namedStep } from './namedStep';
import { showWarningAgain, warningCard } from './warningAgain';

export const CLOSE_ACCOUNT_DIALOG = 'closeAccountDialog';
const STEPS = 'closeAccountSteps';
const SIGN_IN_PROMPT = 'closeAccountSignIn';
const EXPORT_PROMPT = 'exportChoicePrompt';
const DECISION_PROMPT = 'closureDecisionPrompt';

interface StepValues {
  identity?: VerifiedIdentity;
  /** The offer was "wait, or go on without it" for an export already running, not the export question. */
  exportRunning?: boolean;
  /** The export was ready and pointed to: going on is not skipping it (the audit says what happened, issue 18). */
  exportReady?: boolean;
}

/**
 * The closure conversation: sign in -> eligibility -> export offer -> warning card -> (press) hand over to
 * the confirmation dialog. Identity comes from the token only; the token itself is never kept.
 */
export class CloseAccountDialog extends ComponentDialog {
  constructor(private readonly services: DialogServices) {
    super(CLOSE_ACCOUNT_DIALOG);
    this.addDialog(
      new SignInPrompt(SIGN_IN_PROMPT, {
        connectionName: services.connectionName,
        timeout: services.signInTimeoutMs,
        // The link itself on every channel: the Emulator and Web Chat open it (sandbox page or Azure's), Teams requires it.
        showSignInLink: true,
      }),
    );
    this.addDialog(exportChoicePrompt(EXPORT_PROMPT));
    this.addDialog(
      new CardActionPrompt(DECISION_PROMPT, {
        accepts: [CardActions.confirm, CardActions.decline],
        // Every reminder comes with the warning again: the reply that carried it may have been lost.
        showAgain: (context, retrying) =>
          showWarningAgain(services, context, retrying ? Messages.typeIsNotConfirmation(services.closureMode) : Messages.warningPrompt),
      }),
    );
    this.addDialog(
      new WaterfallDialog(STEPS, [
        namedStep(this.signInStep.bind(this)),
        namedStep(this.checkEligibilityStep.bind(this)),
        namedStep(this.offerExportStep.bind(this)),
        namedStep(this.warnStep.bind(this)),
        namedStep(this.decisionStep.bind(this)),
      ]),
    );
    this.initialDialogId = STEPS;
  }

  private async signInStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    // The funnel's first stage (docs/operations.md): the audit starts at sign-in, so a start is counted from this line.
    this.services.logger.info('closure flow started', { channelId: step.context.activity.channelId });
    await this.setProgress(step.context, { step: 'signIn' });
    return step.beginDialog(SIGN_IN_PROMPT);
  }

  private async checkEligibilityStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const token = (step.result as { token?: string } | undefined)?.token;
    if (!token) return this.endWith(step, Messages.signInFailed);
    try {
      const identity = await this.services.directory.whoAmI(token);
      (step.values as StepValues).identity = identity;
      await step.context.sendActivity(Messages.signedInAs(identity));
      const upnHash = this.services.hashUpn(identity.upn);
      await this.services.audit.append({
        type: 'signedIn',
        at: this.now(),
        objectId: identity.objectId,
        tenantId: identity.tenantId,
        upnHash,
      });
      const verdict = await this.services.realm.lookup(identity.upn);
      await this.services.audit.append({
        type: 'realmChecked',
        at: this.now(),
        objectId: identity.objectId,
        tenantId: identity.tenantId,
        upnHash,
        detail: verdict.kind,
      });
      // Written here, where a store that refuses them is answered as such ("can't save your progress").
      await this.services.audit.flush?.();
      if (verdict.kind === 'managed') return this.endWith(step, Messages.managed(verdict.organizationName || identity.organizationName));
      if (verdict.kind === 'notWorkOrSchool') return this.endWith(step, Messages.notWorkOrSchool);
    } catch (error) {
      // Directory or realm unavailable, or the token refused: say so and change nothing.
      if (!isAppError(error)) throw error;
      this.services.logger.warn('eligibility could not be established', { errorCode: error.code, error });
      return this.endWith(step, Messages.error(error));
    }
    await step.context.sendActivity(Messages.eligible);
    return step.next();
  }

  private async offerExportStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const identity = this.identityOf(step);
    // The account, so a "cancel" here is answered from its record (closed from another chat, or not), and listed
    // under the account, so a closure from another chat forgets this chat's state (names) at once.
    const account = { objectId: identity.objectId, tenantId: identity.tenantId };
    await this.setProgress(step.context, { step: 'exportOffer', account });
    // The account's record also says whether it ever had an export job; when it does not say, the job is looked up
    // (and the answer kept there), so an account without one costs no look-up here or at its closure (issue 22).
    const flow = await this.services.closure.registerFlow(
      account,
      conversationAddressOf(step.context.activity),
      step.context.activity.conversation.id,
      (accountRecorded) => this.services.exports.exists(identity, accountRecorded),
    );
    if (flow === 'closed') {
      markForgetUser(step.context);
      return this.endWith(step, Messages.accountClosedElsewhere);
    }
    const job = flow === 'registeredWithoutExportJob' ? undefined : await this.services.exports.find(identity);
    if (
      job?.status === 'ready' &&
      // An export that produced no files was told so and offers nothing to download: the offer is made again.
      job.files &&
      job.files.length > 0 &&
      job.linkExpiresAt &&
      Date.parse(job.linkExpiresAt) > this.services.clock().getTime()
    ) {
      const expiresAt = formatTime(new Date(job.linkExpiresAt), this.timeZoneOf(step));
      // The "ready" message (with its card and link) was sent once when the export finished, if that send went
      // through (`tell.owed` false); "Continue to close my account" on that card comes here, so it is pointed to,
      // not posted a second time. Still owed (its send failed): it is posted here, and is then told.
      (step.values as StepValues).exportReady = true;
      if (job.notifiedAt && job.tell?.owed !== true) await step.context.sendActivity(Messages.exportReadyEarlier(expiresAt));
      else {
        await step.context.sendActivity(
          MessageFactory.attachment(
            renderCard('exportReady', { files: Messages.exportDownloads(job.files), expiresAt }),
            Messages.exportReady,
          ),
        );
        await this.services.exports.told(job);
      }
      return step.next({ action: CardActions.skipExport });
    }
    if (job?.status === 'running') {
      // Asked before and not ready yet: never the export question again, only "wait, or go on without it".
      const requestedAt = formatTime(new Date(job.requestedAt), this.timeZoneOf(step));
      (step.values as StepValues).exportRunning = true;
      return step.prompt(EXPORT_PROMPT, {
        prompt: MessageFactory.attachment(
          renderCard('exportRunning', { requestedAt }),
          Messages.exportStillRunning(new Date(job.requestedAt), this.timeZoneOf(step)),
        ),
        retryPrompt: MessageFactory.text(Messages.exportRunningRetry),
      });
    }
    const intro = job?.status === 'failed' ? Messages.exportFailedBefore : Messages.exportPrompt(this.services.closureMode);
    await this.services.audit.append({ type: 'exportOffered', at: this.now(), objectId: identity.objectId, tenantId: identity.tenantId });
    return step.prompt(EXPORT_PROMPT, {
      prompt: MessageFactory.attachment(
        renderCard(
          'exportOffer',
          { upn: breakableAddress(identity.upn), organizationName: isolateText(identity.organizationName) },
          { closureMode: this.services.closureMode },
        ),
        intro,
      ),
      retryPrompt: MessageFactory.text(Messages.exportRetry),
    });
  }

  private async warnStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const identity = this.identityOf(step);
    const choice = step.result as CardActionPayload;
    const exportRunning = (step.values as StepValues).exportRunning === true;
    // Typed synonyms reach either offer: "wait" at the export question asks for the export, "go on" skips it.
    if (choice.action === CardActions.exportData || choice.action === CardActions.waitForExport) {
      return requestExport(
        this.services,
        step,
        identity,
        choice.action === CardActions.waitForExport ? Messages.waitForExport : Messages.exportAlreadyRunning,
      );
    }
    // Skipped only when the user went on without an export: not after the ready export was pointed to (its
    // exportRequested and exportReady are on the trail), and not when one still runs (that is "go on without it").
    const exportReady = (step.values as StepValues).exportReady === true;
    if (!exportReady && (choice.action === CardActions.skipExport || (choice.action === CardActions.proceed && !exportRunning))) {
      await this.services.audit.append({ type: 'exportSkipped', at: this.now(), objectId: identity.objectId, tenantId: identity.tenantId });
    }
    const opened = await this.services.closure.open({
      identity,
      channelId: step.context.activity.channelId,
      channelUserId: step.context.activity.from.id,
      conversationId: step.context.activity.conversation.id,
      conversation: conversationAddressOf(step.context.activity),
    });
    if (opened.kind === 'accountClosed') {
      // Closed from another chat while this one was at the export offer: no warning, and nothing personal kept.
      markForgetUser(step.context);
      return this.endWith(step, Messages.accountClosedElsewhere);
    }
    if (opened.kind === 'accountClosing') return this.endWith(step, Messages.accountBeingClosed);
    const { request, nonce } = opened;
    await this.setProgress(step.context, { step: 'warning', requestId: request.requestId });
    const card = warningCard(this.services, step.context, request, nonce);
    // Parked small (issue 14): the card is sent here rather than kept as the prompt's options in dialog state, and
    // the identity goes, since the press proves it afresh (confirmClosureDialog); the request id and nonce are in
    // the card and the closure request record.
    delete (step.values as StepValues).identity;
    await step.context.sendActivity(MessageFactory.attachment(card, Messages.warningPrompt));
    return step.prompt(DECISION_PROMPT, {});
  }

  private async decisionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.replaceDialog(CONFIRM_CLOSURE_DIALOG, step.result as CardActionPayload);
  }

  private async endWith(step: WaterfallStepContext, message: string): Promise<DialogTurnResult> {
    return endFlow(this.services, step, message);
  }

  private identityOf(step: WaterfallStepContext): VerifiedIdentity {
    const identity = (step.values as StepValues).identity;
    if (!identity) throw new Error(`${CLOSE_ACCOUNT_DIALOG}: no verified identity in step values`);
    return identity;
  }

  private async setProgress(
    context: TurnContext,
    progress: ConversationProgress & { step?: 'signIn' | 'exportOffer' | 'warning' },
  ): Promise<void> {
    await this.services.progress.set(context, progress);
  }

  /** The reader's IANA time zone, when the channel sent one with this activity. */
  private timeZoneOf(step: WaterfallStepContext): string | undefined {
    return timeZoneOf(step.context.activity);
  }

  private now(): string {
    return this.services.clock().toISOString();
  }
}
