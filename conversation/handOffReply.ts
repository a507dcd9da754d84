import { MessageFactory, type Activity } from 'botbuilder';
import { renderCard } from '../cards/renderCard';
import type { HandOffReason } from '../services/accountCloser';
import type { ClosureService, RejectionReason } from '../services/closureService';
import { Messages } from './messages';

/**
 * The hand-off as the user reads it: why, their account named, and the card with Microsoft's "My data requests"
 * link, the steps for their case (export first, then close) and the button that checks the outcome.
 * Shown only after the same warning and Yes as a direct closure.
 */
export function handOffReply(
  result: { readonly requestId: string; readonly portalUrl: string; readonly reason: HandOffReason },
  upn: string | undefined,
): Partial<Activity> {
  return MessageFactory.attachment(
    renderCard('handOff', { requestId: result.requestId, upn: upn ?? Messages.handOffUnnamedAccount, portalUrl: result.portalUrl }),
    Messages.handedOff(result.reason, upn),
  );
}

/**
 * The answer to a press the closure service refused. A card of a hand-off whose closure the bot has since seen
 * (web chat and the Emulator cannot update cards, so the old buttons still look live) is answered with that
 * verdict, and nothing is offered that would act.
 */
export async function refusalOf(
  services: { readonly handOffVerified: (requestId: string) => Promise<boolean> },
  requestId: string,
  reason: RejectionReason,
): Promise<string> {
  if (reason === 'alreadyHandedOff' && (await services.handOffVerified(requestId))) return Messages.cardVerified;
  return Messages.rejected(reason);
}

/**
 * The answer to a press of an old card when no flow waits for it (a step's button, a late sign-in): if this
 * conversation's last flow ended with the account closed, or its hand-off verified, that outcome, never a sentence
 * that contradicts it ("nothing has been changed"); otherwise `otherwise`.
 */
export async function endedFlowAnswer(
  services: { readonly closure: Pick<ClosureService, 'get'>; readonly handOffVerified: (requestId: string) => Promise<boolean> },
  endedRequestId: string | undefined,
  otherwise: string,
): Promise<string> {
  if (!endedRequestId) return otherwise;
  const status = (await services.closure.get(endedRequestId))?.status;
  if (status === 'closed') return Messages.cardClosed;
  if (status === 'handedOff' && (await services.handOffVerified(endedRequestId))) return Messages.cardVerified;
  return otherwise;
}
