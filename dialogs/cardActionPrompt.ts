import { MessageFactory, type TurnContext } from 'botbuilder';
import { Prompt, type PromptOptions, type PromptRecognizerResult, type PromptValidator } from 'botbuilder-dialogs';
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
   * The retry message, made when it is said (in that turn's language) instead of kept in the dialog state for as
   * long as the prompt waits: a conversation parked at the warning card keeps ids only (issue 14).
   */
  readonly retry?: () => string;
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

  protected async onPrompt(context: TurnContext, _state: object, options: PromptOptions, isRetry: boolean): Promise<void> {
    if (isRetry && this.settings.retry) {
      await context.sendActivity(MessageFactory.text(this.settings.retry()));
      return;
    }
    const activity = isRetry && options.retryPrompt ? options.retryPrompt : options.prompt;
    if (activity) await context.sendActivity(activity);
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
