import en from '../../../locales/en.json';

/** What a message the bot sent tells the person, read back from the English catalogue (never from code). */
export type Said =
  /** The account is closed: the one outcome notice of a closure (in the turn, in the background, or without sign-out). */
  | 'closed'
  /** Interim truths that owe a later `closed` or say nothing about the account yet. */
  | 'outcomeUnknown'
  | 'stillClosing'
  | 'notRecordedUnsure'
  | 'turnFailed'
  /** The press was not recorded, or the request ended without closing: "nothing was closed" claims. */
  | 'notRecorded'
  | 'expired'
  | 'declined'
  | 'cancelled'
  /** The card's step is over or the conversation lost its place: nothing was done by this press. */
  | 'stepOver'
  /** Answers to a repeated press of a request that was recorded. */
  | 'alreadyClosed'
  | 'inProgress'
  /** Another request of the same account ended because this one closed it. */
  | 'closedElsewhere'
  | 'other';

/** `{{x}}` in a catalogue sentence becomes "anything"; the rest must match as written. */
function pattern(sentence: string): RegExp {
  const escaped = sentence.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\\\{\w+\\\}\\\}/g, '[\\s\\S]*?');
  return new RegExp(`^${escaped}$`);
}

const KINDS: ReadonlyArray<readonly [Said, readonly string[]]> = [
  ['closed', [en.closed, en.closedInBackground, en.closedNotSignedOut]],
  ['outcomeUnknown', [en.outcomeUnknown, en.rejected.outcomeUnknown]],
  ['stillClosing', [en.stillClosing]],
  ['notRecordedUnsure', [en.notRecordedUnsure]],
  ['turnFailed', [en.turnFailed]],
  ['notRecorded', [en.notRecorded, en.errors.STORAGE_UNAVAILABLE, en.errors.RECORD_UNREADABLE]],
  ['expired', [en.rejected.expired]],
  ['declined', [en.declined, en.rejected.cancelled]],
  ['cancelled', [en.cancelled]],
  ['stepOver', [en.stepOver, en.sessionLost, en.rejected.unknownRequest]],
  ['alreadyClosed', [en.rejected.alreadyClosed, en.rejected.closedByAnotherRequest]],
  ['inProgress', [en.rejected.inProgress]],
  ['closedElsewhere', [en.closedElsewhere, en.rejected.closedElsewhere]],
];
const MATCHERS = KINDS.flatMap(([kind, sentences]) => sentences.map((s) => [kind, pattern(s)] as const));

export function said(text: string): Said {
  return MATCHERS.find(([, re]) => re.test(text))?.[0] ?? 'other';
}

/** Sentences that claim the account was not closed (or nothing happened): false once the account's Yes was recorded. */
export const CLAIMS_NOT_CLOSED: ReadonlySet<Said> = new Set(['notRecorded', 'expired', 'declined', 'cancelled', 'stepOver']);
/** Sentences after which a person waits for the bot instead of pressing again (it owes them the end). */
export const WAIT_FOR_THE_BOT: ReadonlySet<Said> = new Set([
  'closed',
  'outcomeUnknown',
  'stillClosing',
  'alreadyClosed',
  'inProgress',
  'closedElsewhere',
]);
