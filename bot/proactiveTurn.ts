import type { TurnContext } from 'botbuilder';

/**
 * A proactive turn (CloudAdapter.continueConversationAsync) starts from a `ContinueConversation` event whose id is a
 * fresh UUID (botbuilder-core ConversationReference `getContinuationActivity`), and every message sent in it takes
 * that id as its `replyToId`. Web Chat then holds the message up to 5 s waiting for an activity it never received
 * ("Timed out while waiting for activity", BotFramework-WebChat docs/ACCESSIBILITY.md "message order"): the
 * "export ready" message did (issue 20). A proactive message answers nothing the reader sent, so it carries none.
 */
export function answerNothing(context: TurnContext): void {
  context.onSendActivities(async (_context, activities, next) => {
    for (const activity of activities) delete activity.replyToId;
    return next();
  });
}
