import { ActivityTypes, type TurnContext } from 'botbuilder';
import { Dialog, OAuthPrompt, type DialogContext, type DialogTurnResult, type OAuthPromptSettings } from 'botbuilder-dialogs';
import { Messages } from '../conversation/messages';

/**
 * Wrong codes this prompt accepts before it starts sign-in again. The sandbox token service revokes a channel
 * user's live codes after five wrong ones (sandbox/README.md); Azure's token service documents no limit, so the
 * bot counts for itself and never lets the user type a code that can no longer work.
 */
const MAX_WRONG_CODES = 5;

/** OAuthPrompt reads a magic code as the first six digits in the text (botbuilder-dialogs 4.23 `recognizeToken`). */
const MAGIC_CODE = /\d{6}/;

/** As a plain string: `activity.type` is a string, and comparing it with the enum member is what lint forbids. */
const MESSAGE_ACTIVITY: string = ActivityTypes.Message;

interface SignInPromptState {
  wrongCodes?: number;
}

/**
 * OAuthPrompt that answers every message while it waits. botbuilder's prompt stays silent on a wrong magic code
 * or any other text (it only sends a `retryPrompt`, the same for both); here a wrong code is told it didn't
 * match, other text is told what to do, and after {@link MAX_WRONG_CODES} wrong codes sign-in starts over with a
 * fresh card, because the token service may have revoked the code the user still holds.
 */
export class SignInPrompt extends OAuthPrompt {
  /** The prompt's settings, kept to send its card again (OAuthPrompt keeps its own copy private). */
  private readonly cardSettings: OAuthPromptSettings;

  /** `title` and `text` are looked up each time the card is sent, in that turn's language (OAuthPrompt keeps the object). */
  constructor(dialogId: string, settings: Omit<OAuthPromptSettings, 'title' | 'text'>) {
    const cardSettings: OAuthPromptSettings = {
      ...settings,
      get title() {
        return Messages.signInTitle;
      },
      get text() {
        return Messages.signInPrompt;
      },
    };
    super(dialogId, cardSettings);
    this.cardSettings = cardSettings;
  }

  /** After help or status: the card again, below their words (the first one may never have arrived). */
  override async repromptDialog(context: TurnContext): Promise<void> {
    await OAuthPrompt.sendOAuthCard(this.cardSettings, context);
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    const activity = dc.context.activity;
    const state = dc.activeDialog?.state as SignInPromptState | undefined;
    const options = (dc.activeDialog?.state as { options?: object } | undefined)?.options;
    const result = await super.continueDialog(dc);
    if (result !== Dialog.EndOfTurn || activity.type !== MESSAGE_ACTIVITY || dc.context.responded || !state) return result;
    const text = typeof activity.text === 'string' ? activity.text : '';
    if (!MAGIC_CODE.test(text)) {
      // With a fresh card: the reply that carried the first may have been lost (a kill, a failed send).
      await OAuthPrompt.sendOAuthCard(this.cardSettings, dc.context, Messages.signInWaiting);
      return result;
    }
    state.wrongCodes = (state.wrongCodes ?? 0) + 1;
    if (state.wrongCodes < MAX_WRONG_CODES) {
      await dc.context.sendActivity(Messages.signInCodeMismatch);
      return result;
    }
    await dc.context.sendActivity(Messages.signInCodeRevoked(MAX_WRONG_CODES));
    return dc.replaceDialog(this.id, options);
  }
}
