import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { CardActions } from '../cards/cardActions';
import { isAppError } from '../services/errors';
import type { VerifiedIdentity } from '../services/identity';
import { CardActionPrompt } from './cardActionPrompt';
import type { ConversationProgress } from '../conversation/progress';
import type { DialogServices } from './dialogServices';
import { conversationAddressOf } from '../conversation/address';
import { Messages } from '../conversation/messages';

/**
 * The export offer's handling, beside the closure waterfall that owns its steps (closeAccountDialog.ts): the
 * prompt that takes its buttons and typed words, and what asking for an export does in each closure mode. The
 * dialog ids and steps stay in the waterfall, so a conversation saved mid-offer resumes as before.
 */

/** The export offer's four buttons, and the words a person may type instead. */
const OPTIONS = {
  accepts: [CardActions.exportData, CardActions.skipExport, CardActions.proceed, CardActions.waitForExport],
  textSynonyms: {
    export: CardActions.exportData,
    'export my data': CardActions.exportData,
    'export my data first': CardActions.exportData,
    skip: CardActions.skipExport,
    'skip export': CardActions.skipExport,
    wait: CardActions.waitForExport,
    'go on': CardActions.proceed,
    continue: CardActions.proceed,
  },
};

/** The prompt of the export offer (its id stays the waterfall's, closeAccountDialog.ts). */
export function exportChoicePrompt(id: string): CardActionPrompt {
  return new CardActionPrompt(id, OPTIONS);
}

/** Asks for an export unless one is running already: then `whenRunning` is said and nothing is started. */
export async function requestExport(
  services: DialogServices,
  step: WaterfallStepContext,
  identity: VerifiedIdentity,
  whenRunning: string,
): Promise<DialogTurnResult> {
  const existing = await services.exports.find(identity);
  // Kept in the conversation's progress, so "help" and "status" can mention the export (issue 20).
  if (existing?.status === 'running') return endFlow(services, step, whenRunning, { exportRequestedAt: existing.requestedAt });
  if (services.closureMode === 'portal') return handOffExport(services, step, identity);
  try {
    await services.exports.request(identity, {
      channelUserId: step.context.activity.from.id,
      conversation: conversationAddressOf(step.context.activity),
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    // CLOSURE=graph in a tenant that gives the app no rights (no service principal): the same hand-off.
    if (error.code === 'EXPORT_HANDED_OFF') return handOffExport(services, step, identity);
    services.logger.warn('export request failed', { errorCode: error.code, error });
    return endFlow(services, step, Messages.error(error));
  }
  return endFlow(services, step, Messages.exportRequested, { exportRequestedAt: services.clock().toISOString() });
}

/**
 * The bot cannot request an export here: the user asks on Microsoft's page, which for an unmanaged tenant gives
 * the system-generated logs, requested by the user, and can take up to a month ("Responding to DSR requests for
 * system-generated logs", unmanaged tenants:
 * https://learn.microsoft.com/power-platform/admin/powerapps-gdpr-dsr-guide-systemlogs). No "I'll message you":
 * the bot never learns when it is ready.
 */
async function handOffExport(services: DialogServices, step: WaterfallStepContext, identity: VerifiedIdentity): Promise<DialogTurnResult> {
  await services.audit.append({
    type: 'exportHandedOff',
    at: services.clock().toISOString(),
    objectId: identity.objectId,
    tenantId: identity.tenantId,
  });
  return endFlow(services, step, Messages.exportHandedOff(services.portalUrl));
}

/** Says `message`, keeps only `progress` for the conversation, and ends the waterfall. */
export async function endFlow(
  services: DialogServices,
  step: WaterfallStepContext,
  message: string,
  progress: Pick<ConversationProgress, 'exportRequestedAt'> = {},
): Promise<DialogTurnResult> {
  await step.context.sendActivity(message);
  await services.progress.set(step.context, progress);
  return step.endDialog();
}
