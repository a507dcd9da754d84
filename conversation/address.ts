import { TurnContext, type Activity } from 'botbuilder';
import { currentLanguage } from '../locales/i18n';

/**
 * Where a later, proactive message goes and how it is worded: the channel's conversation reference (which already
 * carries the activity's `locale`, botbuilder-core TurnContext.getConversationReference) plus the reader's
 * `localTimezone`, an IANA name Web Chat, the Emulator and Teams messages send. Nothing more about the person: it
 * is stored on the closure request or export job and removed with it.
 */
export function conversationAddressOf(activity: Partial<Activity>): Record<string, unknown> {
  const zone = timeZoneOf(activity);
  const reference = TurnContext.getConversationReference(activity);
  return {
    ...reference,
    // Events the client never sent (the token service's `tokens/response`) carry no locale: the turn's language.
    locale: validLocale(reference.locale) ?? currentLanguage(),
    ...(zone ? { localTimezone: zone } : {}),
  };
}

/** The reader's IANA time zone, when the channel sent one with this activity. */
export function timeZoneOf(activity: Partial<Activity>): string | undefined {
  return validZone(activity.localTimezone);
}

/** The language and zone a stored address asks for; a missing or malformed value means English and UTC. */
export function readerOf(conversation: Readonly<Record<string, unknown>>): { readonly locale?: string; readonly timeZone?: string } {
  return { locale: validLocale(conversation.locale), timeZone: validZone(conversation.localTimezone) };
}

function validLocale(locale: unknown): string | undefined {
  return typeof locale === 'string' && locale.length > 0 && locale.length <= 35 ? locale : undefined;
}

function validZone(zone: unknown): string | undefined {
  return typeof zone === 'string' && zone.length > 0 && zone.length <= 64 ? zone : undefined;
}
