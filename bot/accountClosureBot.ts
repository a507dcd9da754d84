import {
  MessageFactory, TeamsActivityHandler,
  type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue, type BotState, type SigninStateVerificationQuery,
  type StatePropertyAccessor, type TurnContext,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { renderCard } from '../cards/renderCard';
import { FORGET_USER_KEY } from '../dialogs/dialogServices';
import type { MainDialog } from '../dialogs/mainDialog';
import type { Logger } from '../services/logger';

export interface AccountClosureBotOptions {
  /** Per-user conversation state (`PrivateConversationState`): members of a group chat never share a dialog. */
  readonly state: BotState;
  readonly dialog: MainDialog;
  readonly logger: Logger;
}

/**
 * Routes every activity that carries user intent into the main dialog, including the sign-in invokes and
 * events (`signin/verifyState`, `signin/tokenExchange`, `tokens/response`), so none ends unanswered.
 * State is saved once per turn in `run`, or deleted when the dialog asked to forget the user.
 */
export class AccountClosureBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(private readonly options: AccountClosureBotOptions) {
    super();
    this.dialogState = options.state.createProperty<DialogState>('dialogState');
    this.onMessage(async (context, next) => {
      await this.runDialog(context);
      await next();
    });
    this.onTokenResponseEvent(async (context, next) => {
      await this.runDialog(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      const newcomers = (context.activity.membersAdded ?? []).filter((member) => member.id !== botId);
      if (newcomers.length > 0) await context.sendActivity(MessageFactory.attachment(renderCard('welcome', {})));
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    if (context.turnState.get(FORGET_USER_KEY) === true) {
      await this.options.state.delete(context);
      this.options.logger.info('dropped the conversation state of a closed account', { conversationId: context.activity.conversation?.id });
    } else {
      await this.options.state.saveChanges(context, false);
    }
  }

  protected override async handleTeamsSigninVerifyState(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    await this.runDialog(context);
  }

  protected override async handleTeamsSigninTokenExchange(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    await this.runDialog(context);
  }

  /** Teams Universal Actions: the press goes through the same dialog; the reply itself is the chat message. */
  protected override async onAdaptiveCardInvoke(context: TurnContext, _value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    await this.runDialog(context);
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: { text: 'Done.' } as unknown as Record<string, unknown> };
  }

  private async runDialog(context: TurnContext): Promise<void> {
    await this.options.dialog.run(context, this.dialogState);
  }
}
