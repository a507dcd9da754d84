import type { TurnContext } from 'botbuilder';
import { flushTurn } from '../services/turnScope';

/**
 * What a turn did is on the audit before anyone sees anything of it (issue 22 holds a turn's audit events to write
 * them together): the events the running turn holds are written before each message of `context` goes out, in the
 * turn's own conversation and in the proactive turns it opens (another chat told "closed from another chat"). So an
 * audit that cannot be written stops the turn where an unwritten event did before, and no message tells of a step
 * the audit lacks. Outside a turn (background passes) nothing is held and this costs nothing.
 */
export function flushAuditBeforeReplies(context: TurnContext): void {
  context.onSendActivities(async (_context, _activities, next) => {
    await flushTurn();
    return next();
  });
}
