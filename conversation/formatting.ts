import { currentIntlLocale } from '../locales/i18n';

/**
 * Times and sizes as the reader sees them, for every sentence and card (messages.ts, cardMessages.ts, the cards).
 *
 * Times are given in the reader's time zone when the channel sends one (`localTimezone`, an IANA name: Web Chat
 * and the Emulator send it; Teams sends it on messages), with the zone's name in the reader's language
 * (`Intl.DateTimeFormat` `timeZoneName: 'long'`: "Nordamerikanische Ostküsten-Normalzeit", never "America/New_York");
 * otherwise in UTC, said as such.
 */
const SIZE_UNITS = ['kilobyte', 'megabyte', 'gigabyte'] as const;

/** Bytes as the reader sees sizes, in their language's units and decimal mark (1 KB = 1024 bytes; "1,5 MB" in German). */
export function formatSize(bytes: number): string {
  const language = currentIntlLocale();
  // Narrow for bytes: CLDR's short English form is "144 byte"; narrow is "144B" (English), "144 B" (German).
  if (bytes < 1024) return new Intl.NumberFormat(language, { style: 'unit', unit: 'byte', unitDisplay: 'narrow' }).format(bytes);
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: SIZE_UNITS[unit],
    unitDisplay: 'short',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value);
}

/** A moment in the reader's language and zone, the zone named (UTC, said as such, when the channel sent none). */
export function formatTime(at: Date, timeZone?: string): string {
  const language = currentIntlLocale();
  const format = (timeZone ? formatterFor(language, timeZone) : undefined) ?? formatterFor(language, 'UTC');
  if (!format) throw new Error(`no date format for "${language}"`);
  // The formats show no seconds, and since 1973 no zone's offset has had any: a moment formats as its minute does.
  const minute = at.getTime() >= SECONDS_FREE_OFFSETS_SINCE ? Math.floor(at.getTime() / 60_000) : Number.NaN;
  const last = lastFormatted.get(format);
  if (last !== undefined && last.minute === minute) return last.text;
  const text = format.format(at);
  if (!Number.isNaN(minute)) lastFormatted.set(format, { minute, text });
  return text;
}

/**
 * The last minute each formatter wrote, and its text: the times a turn and its neighbours say (a warning's expiry,
 * a request's time) mostly fall in the same minute, and `format` costs more than a look-up (issue 22).
 */
const lastFormatted = new WeakMap<Intl.DateTimeFormat, { readonly minute: number; readonly text: string }>();
/** Liberia's offset of -0:44:30 ended in January 1972, the last of an offset with seconds (IANA tz data). */
const SECONDS_FREE_OFFSETS_SINCE = Date.UTC(1973, 0, 1);

/**
 * One formatter per language and IANA zone name the channels sent (undefined for a name that is not a zone):
 * building an `Intl.DateTimeFormat` costs more than formatting with it. Bounded, since the names come from activities.
 */
const formatters = new Map<string, Intl.DateTimeFormat | undefined>();
const MAX_FORMATTERS = 500;

function formatterFor(language: string, timeZone: string): Intl.DateTimeFormat | undefined {
  const key = `${language}\u0000${timeZone}`;
  if (formatters.has(key)) return formatters.get(key);
  let format: Intl.DateTimeFormat | undefined;
  try {
    format = new Intl.DateTimeFormat(language, {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      // "UTC" is its own name in every language; a local zone by its long name ("heure normale de l'Est nord-américain").
      timeZoneName: timeZone === 'UTC' ? 'short' : 'long',
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  if (formatters.size >= MAX_FORMATTERS) formatters.clear();
  formatters.set(key, format);
  return format;
}
