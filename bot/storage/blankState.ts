/** The state property where the bot remembers the user's language (bot/accountClosureBot.ts `localeOf`). */
export const LOCALE_PROPERTY = 'locale';

/**
 * Whether a turn's conversation state can go unwritten: nothing was stored for this user in this conversation when
 * the turn read it, and the turn added nothing that a later turn would read differently from no state at all.
 * That is the first "hello" of a conversation (the welcome card, with no dialog begun: dialogs/mainDialog.ts `run`),
 * and "help", "status" or "cancel" with nothing running; each wrote a state file holding the locale alone
 * (`{"locale":"en-US"}`: 4 of the 5 file operations of a file-storage welcome turn, and one Blob `PUT`, issue 22).
 *
 * - Nothing stored: a stored item comes back with its eTag (MemoryStorage, bot/storage/fileStorage.ts and
 *   BlobStateStorage all set one on read), while botbuilder's `BotState.load` starts a missing one as a bare `{}`
 *   (botbuilder-core botState.js). `BotState.clear` also leaves a bare `{}` to overwrite what is stored: this bot
 *   never calls it (it deletes the state instead, `BotState.delete`), and a caller that does must not skip its save.
 * - Nothing to remember: every property is empty (an empty dialog stack, an empty progress object), read alike as
 *   absent by every reader (`dialogStack?.length ?? 0`, `progress?.requestId`), or the locale. The locale is kept for
 *   activities that come without one (the token service's `tokens/response`), and those only come to a sign-in that
 *   a start turn began, which writes the state with its own locale.
 *
 * Skipping the write loses nothing a process crash or another instance could need: the conversation's next turn
 * reads no state, exactly as this one did. A state that was stored is saved as before (botbuilder writes it when its
 * hash changed), so a flow cancelled to an empty stack still overwrites the stack it had.
 */
export function isUnstoredBlankState(state: Readonly<Record<string, unknown>> | undefined): boolean {
  if (state === undefined || state.eTag !== undefined) return false;
  return Object.entries(state).every(([name, value]) => name === LOCALE_PROPERTY || isEmpty(value));
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmpty);
  return false;
}
