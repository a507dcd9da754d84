import { MessageFactory, type Activity } from 'botbuilder';
import { renderCard } from '../cards/renderCard';
import type { HandOffReason } from '../services/accountCloser';
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
