import type { Activity } from 'botbuilder';

/**
 * Removes every mention of the bot from a message's text, so that `<at>Account Closure Bot</at> cancel` is read
 * as `cancel`. Teams puts the mention in the text of group chat and channel messages (and of a 1:1 message
 * when the user mentions the bot there) with a `mention` entity whose `text` is exactly what appears
 * (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/channel-and-group-conversations#retrieve-mentions).
 * Like `TurnContext.removeRecipientMention`, but it removes every occurrence, not only the first, and leaves
 * an activity without text (a card press) alone instead of throwing.
 */
export function removeRecipientMention(activity: Partial<Activity>): void {
  if (typeof activity.text !== 'string' || !activity.recipient?.id) return;
  const botId = activity.recipient.id;
  let text = activity.text;
  let removed = false;
  for (const entity of activity.entities ?? []) {
    if (entity.type !== 'mention') continue;
    const mention = entity as { mentioned?: { id?: unknown }; text?: unknown };
    if (mention.mentioned?.id !== botId || typeof mention.text !== 'string' || !mention.text) continue;
    text = text.split(mention.text).join(' ');
    removed = true;
  }
  if (!removed) return;
  // Teams writes the space after a mention as `&nbsp;` in some clients.
  activity.text = text
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
