import { MessageFactory, type TurnContext } from 'botbuilder';
import { renderCard, type AdaptiveCardAttachment } from '../cards/renderCard';
import type { ClosureRequest } from '../services/closureRequest';
import type { DialogServices } from './dialogServices';
import { breakableAddress, isolateText } from '../conversation/plainText';
import { timeZoneOf } from '../conversation/address';
import { formatTime } from '../conversation/formatting';

/** The warning card of `request` with `nonce`, in this turn's language and the reader's time zone. */
export function warningCard(
  services: DialogServices,
  context: TurnContext,
  request: ClosureRequest,
  nonce: string,
): AdaptiveCardAttachment {
  const teams = context.activity.channelId === 'msteams';
  return renderCard(
    'warning',
    {
      requestId: request.requestId,
      nonce,
      // Names are TextRuns (no Markdown), but their direction controls would still reorder the card's sentence.
      upn: breakableAddress(request.upn ?? ''),
      // A request opened before the names were kept on it (a deployment's first minutes) shows the address.
      displayName: isolateText(request.displayName ?? request.upn ?? ''),
      organizationName: isolateText(request.organizationName ?? ''),
      expiresAt: formatTime(new Date(request.expiresAt), timeZoneOf(context.activity)),
      universalActions: teams,
      requesterAadObjectId: teams ? context.activity.from.id : undefined,
    },
    { closureMode: services.closureMode },
  );
}

/**
 * Sends the warning that waits in this conversation again, with `text`: whatever the bot says about the warning
 * comes with a card to press, since the reply that carried the first one may never have arrived (a kill, a failed
 * send after the state was saved). The same request, with a nonce of its own (services/closure/warningCopies.ts
 * `showAgain`).
 * A warning that stopped waiting in the milliseconds since the turn's interruptions looked at it gets `text` alone;
 * the next message then starts again (dialogs/interruptions.ts).
 */
export async function showWarningAgain(services: DialogServices, context: TurnContext, text: string): Promise<void> {
  const { requestId } = await services.progress.get(context, {});
  const again = requestId ? await services.closure.showAgain(requestId, context.activity.from.id) : undefined;
  if (!again) {
    services.logger.info('the warning could not be shown again: it no longer waits', { requestId });
    await context.sendActivity(text);
    return;
  }
  await context.sendActivity(MessageFactory.attachment(warningCard(services, context, again.request, again.nonce), text));
}
