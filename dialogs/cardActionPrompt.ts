import type { Activity, TurnContext } from 'botbuilder';
import { Prompt, type DialogInstance, type PromptOptions, type PromptRecognizerResult, type PromptValidator } from 'botbuilder-dialogs';
import { parseCardAction, type CardAction, type CardActionPayload } from '../cards/cardActions';

export interface CardActionPromptSettings {
  /** The card actions this prompt accepts; any other press or text re-prompts. */
  readonly accepts: readonly CardAction[];
  /**
   * Typed words that count as a press, e.g. "skip" for the export offer. Never used for the closure
   * confirmation: there the card press is the only confirmation.
   */
  readonly textSynonyms?: Readonly<Record<string, CardAction>>;
  /**
   * Sends the prompt's card again, with the retry's words when `retrying` (made when said, in that turn's language),
   * else with the card's own (a reprompt after help or status). For a prompt whose card is not kept in its options:
   * a conversation parked at the warning card keeps ids only (issue 14). Without it, the options' card is sent again.
   */
  readonly showAgain?: (context: TurnContext, retrying: boolean) => Promise<void>;
}

/**
 * Waits for a press on one of our cards. A press is untrusted input: `parseCardAction` checks its shape
 * before anything else sees it, and text is never mistaken for a press unless a synonym was configured.
 */
export class CardActionPrompt extends Prompt<CardActionPayload> {
  constructor(
    dialogId: string,
    private readonly settings: CardActionPromptSettings,
    validator?: PromptValidator<CardActionPayload>,
  ) {
    super(dialogId, validator);
  }

  /**
   * A retry or a reprompt comes with the card again, never words about a card the person may not have: the reply
   * that carried it may have been lost (a kill, a failed send after the state was saved).
   */
  protected async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    if (isRetry && this.settings.showAgain) return this.settings.showAgain(context, true);
    const prompt = options.prompt as Partial<Activity> | undefined;
    const retry = options.retryPrompt as Partial<Activity> | undefined;
    if (isRetry && retry && prompt?.attachments) {
      await context.sendActivity({ ...prompt, text: retry.text });
      return;
    }
    const activity = isRetry && retry ? retry : prompt;
    if (activity) await context.sendActivity(activity);
  }

  override async repromptDialog(context: TurnContext, instance: DialogInstance): Promise<void> {
    if (this.settings.showAgain) return this.settings.showAgain(context, false);
    return super.repromptDialog(context, instance);
  }

  protected async onRecognize(context: TurnContext): Promise<PromptRecognizerResult<CardActionPayload>> {
    const payload = parseCardAction(context.activity.value) ?? this.fromText(context.activity.text);
    if (payload && this.settings.accepts.includes(payload.action)) return { succeeded: true, value: payload };
    return { succeeded: false };
  }

  private fromText(text: unknown): CardActionPayload | undefined {
    if (typeof text !== 'string' || !this.settings.textSynonyms) return undefined;
    const action = this.settings.textSynonyms[text.trim().toLowerCase()];
    if (action === undefined) return undefined;
    return parseCardAction({ action });
  }
}
