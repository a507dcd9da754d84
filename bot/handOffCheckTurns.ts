import { CloudAdapterBase, MessageFactory, type ConversationReference, type TurnContext } from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import { parseHandOffCheck } from '../cards/cardActions';
import { readerOf } from '../conversation/address';
import { Messages } from '../conversation/messages';
import { inLanguageOf } from '../locales/i18n';
import type { CheckResult, HandOffCheck, HandOffChecks } from '../services/handOff/handOffChecks';
import type { Logger } from '../services/logger';
import { answerNothing } from './proactiveTurn';
import { verifiedCard } from './teams/cards';

type ContinueConversation = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => Promise<void>;

/** The final answer of an ended check, as `tell` gives it. */
function finalAnswer(check: HandOffCheck): string {
  if (check.state === 'closureVerified') return Messages.handOffVerified(check.upn);
  if (check.state === 'stillOpen') return Messages.handOffStillOpen(check.upn);
  return Messages.handOffUnconfirmedAtEnd;
}

export interface HandOffCheckTurnsOptions {
  readonly checks: HandOffChecks;
  /** The OAuth connection whose token for the account the check asks the token service for. */
  readonly connectionName: string;
  readonly logger: Logger;
}

/**
 * The channel side of hand-off checks: the "I've closed it, check" press in a turn, and the background schedule
 * in proactive turns. The account's token comes from the token service as the SDK's UserTokenClient holds it;
 * the bot never asks the user to sign in for a check (a closed account cannot).
 */
export class HandOffCheckTurns {
  constructor(private readonly options: HandOffCheckTurnsOptions) {}

  /** Handles the press if this activity is one; returns whether it was. */
  async tryHandle(context: TurnContext): Promise<boolean> {
    const press = parseHandOffCheck(context.activity.value);
    if (!press) return false;
    const channelUserId = context.activity.from?.id ?? '';
    const token = await this.userToken(context, channelUserId);
    const result = await this.options.checks.checkForRequester(press.requestId, channelUserId, token);
    await this.tell(context, result, 'press');
    return true;
  }

  /** One background pass over every due hand-off (`checkOne` each); a failed one is logged and left for the next pass. */
  async checkDue(continueConversation: ContinueConversation): Promise<number> {
    let checked = 0;
    for (const due of await this.options.checks.due()) {
      try {
        if (await this.checkOne(due, continueConversation)) checked++;
      } catch (error) {
        // Left as it was: the next pass tries again (the check is recorded only after its probe answered). An ended
        // check whose answer did not go out stays owed, and is counted toward giving it up.
        this.options.logger.error('background hand-off check failed', { requestId: due.requestId, error });
        await this.options.checks.tellFailed(due.requestId).catch((failure: unknown) => {
          this.options.logger.error('a failed hand-off answer could not be counted', { requestId: due.requestId, error: failure });
        });
      }
    }
    return checked;
  }

  /**
   * Background, one due check (HandOffChecks.isDue), in its own conversation: checks it and tells the requester a
   * final answer; or, for an ended check whose final answer did not go out, tells it again; past
   * FINAL_ANSWER_RETRY_MS it drops the personal fields untold. Throws when the conversation cannot be reached, so
   * the runner counts it and the next pass tries again. Returns whether it checked or told something.
   */
  async checkOne(due: HandOffCheck, continueConversation: ContinueConversation): Promise<boolean> {
    if (due.ended && (this.options.checks.finalAnswerOverdue(due) || !due.conversation || !due.channelUserId)) {
      this.options.logger.warn('the final answer of a hand-off check could not be told; its personal fields go', {
        requestId: due.requestId,
      });
      await this.options.checks.forgetRequester(due.requestId);
      return true;
    }
    if (!due.conversation || !due.channelUserId) return false;
    const channelUserId = due.channelUserId;
    let done = false;
    // A proactive turn does not pass through the bot's `run`: it is said in the language kept with the conversation.
    const { locale } = readerOf(due.conversation);
    await continueConversation(due.conversation, (context) => {
      answerNothing(context);
      return inLanguageOf(
        locale,
        async () => {
          if (due.ended) {
            await context.sendActivity(MessageFactory.text(finalAnswer(due)));
            await this.finish(context, due);
            done = true;
            return;
          }
          const token = await this.userToken(context, channelUserId, due.channelId);
          const result = await this.options.checks.checkInBackground(due.requestId, token);
          if (result) {
            done = true;
            await this.tell(context, result, 'schedule');
          }
        },
        context.activity.channelId,
      );
    });
    return done;
  }

  /** Press: every answer is told. Schedule: only a final answer (closed, or the window ran out), never a nag. */
  private async tell(context: TurnContext, result: CheckResult, trigger: 'press' | 'schedule'): Promise<void> {
    if (result.kind === 'rejected') {
      if (trigger === 'press') await context.sendActivity(Messages.handOffCheckRejected(result.reason));
      return;
    }
    const { verdict, check } = result;
    const text =
      verdict.kind === 'closureVerified' || check.ended
        ? finalAnswer(check)
        : trigger === 'press'
          ? verdict.kind === 'stillOpen'
            ? Messages.handOffStillOpen(check.upn)
            : Messages.handOffCannotConfirm(verdict.reason)
          : undefined;
    if (!text) return;
    // A send that fails leaves the ended check holding its personal fields: the background pass tells it again.
    await context.sendActivity(MessageFactory.text(text));
    if (verdict.kind === 'closureVerified') await this.showVerdictOnCards(context, check);
    if (check.ended) await this.finish(context, check);
  }

  /**
   * Teams: the request's warning and hand-off cards become the verdict, with no button left, for everyone in the
   * chat (the same update path as the warning card's final states). A card whose message is unknown, or whose
   * update fails, gets the verdict as one new card instead. Web chat and the Emulator cannot update cards: there an
   * old press is answered with the verdict (conversation/handOffReply.ts `refusalOf`, "already confirmed closed").
   */
  private async showVerdictOnCards(context: TurnContext, check: HandOffCheck): Promise<void> {
    if (check.channelId !== 'msteams') return;
    const card = verifiedCard(check.requestId);
    const ids = check.cardActivityIds ?? [];
    // Two cards: the warning and the hand-off. One whose message id never became known is told by a new card.
    let allUpdated = ids.length >= 2;
    for (const id of ids) {
      try {
        await context.updateActivity({ type: 'message', id, attachments: [card] });
      } catch (error) {
        allUpdated = false;
        this.options.logger.warn('a card of a verified hand-off could not be updated', { requestId: check.requestId, error });
      }
    }
    if (!allUpdated) await context.sendActivity(MessageFactory.attachment(card));
  }

  /** Told the final answer: sign the account out of the token service and drop the check's personal fields. */
  private async finish(context: TurnContext, check: HandOffCheck): Promise<void> {
    const client = this.tokenClient(context);
    if (client && check.channelUserId) {
      await client.signOutUser(check.channelUserId, this.options.connectionName, check.channelId).catch((error: unknown) => {
        this.options.logger.warn('sign-out after a verified hand-off failed; the token service forgets the token when it expires', {
          requestId: check.requestId,
          error,
        });
      });
    }
    await this.options.checks.forgetRequester(check.requestId);
  }

  private async userToken(
    context: TurnContext,
    channelUserId: string,
    channelId = context.activity.channelId,
  ): Promise<string | undefined> {
    const client = this.tokenClient(context);
    if (!client || !channelUserId) return undefined;
    try {
      return (await client.getUserToken(channelUserId, this.options.connectionName, channelId, ''))?.token || undefined;
    } catch (error) {
      this.options.logger.info('the token service gave no token for a hand-off check', { error });
      return undefined;
    }
  }

  private tokenClient(context: TurnContext): UserTokenClient | undefined {
    const adapter = context.adapter;
    return adapter instanceof CloudAdapterBase ? context.turnState.get<UserTokenClient>(adapter.UserTokenClientKey) : undefined;
  }
}
