import type { RejectionReason } from '../services/closureService';
import type { VerifiedIdentity } from '../services/identity';
import { t } from '../locales/i18n';
import { isolateText, plainName } from './plainText';

/**
 * Everything the bot says, in one place: plain words, no internals, and never a token.
 *
 * Times are given in the reader's time zone when the channel sends one (`localTimezone`, an IANA name: Web Chat
 * and the Emulator send it; Teams sends it on messages), with the zone named; otherwise in UTC, said as such.
 */
export function formatTime(at: Date, timeZone?: string): string {
  const zone = timeZone && isTimeZone(timeZone) ? timeZone : undefined;
  if (!zone) return t('time.utc', { time: at.toISOString().slice(0, 16).replace('T', ' ') });
  // sv-SE formats as "2026-12-01 10:01": the same ISO-like shape as the UTC fallback, unambiguous in English text.
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return t('time.local', { time: local, zone });
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

export type ProgressStep = 'signIn' | 'exportOffer' | 'warning' | 'closing';

/**
 * Every sentence lives in locales/{language}.json; the getters look it up in the current turn's language
 * (locales/i18n.ts). A message added here in English as a plain string still works, and moves to en.json (and
 * every other language file) when it is translated; test/locales finds what was not.
 */
export const Messages = {
  get signInPrompt() { return t('signInPrompt'); },
  get signInTitle() { return t('signInTitle'); },
  get signInWaiting() { return t('signInWaiting'); },
  get signInCodeMismatch() { return t('signInCodeMismatch'); },
  signInCodeRevoked: (wrongCodes: number) => t('signInCodeRevoked', { wrongCodes }),
  get signInFailed() { return t('signInFailed'); },
  signedInAs: (identity: VerifiedIdentity) =>
    t('signedInAs', { displayName: plainName(identity.displayName), upn: plainName(identity.upn), organizationName: plainName(identity.organizationName) }),
  get eligible() { return t('eligible'); },
  managed: (organizationName: string) => t('managed', { organizationName: plainName(organizationName) }),
  get notWorkOrSchool() { return t('notWorkOrSchool'); },
  get exportPrompt() { return t('exportPrompt'); },
  get exportRetry() { return t('exportRetry'); },
  get exportRequested() { return t('exportRequested'); },
  exportStillRunning: (requestedAt: Date, timeZone?: string) => t('exportStillRunning', { requestedAt: formatTime(requestedAt, timeZone) }),
  get exportRunningRetry() { return t('exportRunningRetry'); },
  get exportAlreadyRunning() { return t('exportAlreadyRunning'); },
  exportFailedBefore: (reason: string) => t('exportFailedBefore', { reason }),
  get exportReady() { return t('exportReady'); },
  get exportSkipped() { return t('exportSkipped'); },
  get waitForExport() { return t('waitForExport'); },
  get warningPrompt() { return t('warningPrompt'); },
  get typeIsNotConfirmation() { return t('typeIsNotConfirmation'); },
  closed: (upn: string, requestId: string, closedAt: Date, timeZone?: string) =>
    t('closed', { upn: plainName(upn), requestId, closedAt: formatTime(closedAt, timeZone) }),
  closedInBackground: (requestId: string, closedAt: Date, timeZone?: string) =>
    t('closedInBackground', { requestId, closedAt: formatTime(closedAt, timeZone) }),
  handedOff: (portalUrl: string, reason: 'configured' | 'forbidden') =>
    `${t(reason === 'forbidden' ? 'handedOffForbidden' : 'handedOffConfigured')} ${t('handedOffSteps', { portalUrl })}`,
  get stillClosing() { return t('stillClosing'); },
  get declined() { return t('declined'); },
  get cancelled() { return t('cancelled'); },
  get signedOut() { return t('signedOut'); },
  get signedOutTeams() { return t('signedOutTeams'); },
  get stepOver() { return t('stepOver'); },
  get signInOver() { return t('signInOver'); },
  get warningStillWaiting() { return t('warningStillWaiting'); },
  get nothingToCancel() { return t('nothingToCancel'); },
  noLongerEligible: (verdict: 'managed' | 'notWorkOrSchool') =>
    t(verdict === 'managed' ? 'noLongerEligibleManaged' : 'noLongerEligibleNotWorkOrSchool'),
  rejected: (reason: RejectionReason): string => t(`rejected.${reason}`),
  help: (step: ProgressStep | undefined): string => t('help', { where: step ? t(`stepHelp.${step}`) : t('helpStart') }),
  // Teams offers no sign-in (OAuth card or SSO) to bots in channels; group chats and 1:1 chats work.
  get groupChatSignIn() { return t('groupChatSignIn'); },
  get sessionLost() { return t('sessionLost'); },
};

/**
 * The Teams warning card's other states (Universal Actions): what replaces it once it was answered or ended,
 * and what members other than the requester see. Each pair is a card title and its one sentence.
 */
export const CardMessages = {
  waitingTitle: 'Waiting for confirmation',
  waiting: (name: string) => `Waiting for ${isolateText(name)} to confirm. Only they can answer this card.`,
  theRequester: 'the person who asked',
  closingTitle: 'Closing your account…',
  closing: "I'm closing the account now and will post the result in this chat. It will be closed only once.",
  closedTitle: 'Account closed',
  closed: 'This account has been closed. It cannot be reopened.',
  closedAt: 'Closed',
  keptTitle: 'Kept',
  kept: 'The account was kept. Nothing was closed.',
  cancelledTitle: 'Cancelled',
  cancelled: 'This request was cancelled. Nothing was closed.',
  expiredTitle: 'Expired',
  expired: 'This warning expired before it was confirmed. Nothing was closed. Say **close my account** to start again.',
  handedOffTitle: "Finish on Microsoft's page",
  handedOff: "The account wasn't closed by the bot. The steps to close it yourself are in the chat.",
  refusedTitle: 'Not closed',
  refused: "This request ended without closing the account. The reason is in the chat.",
  invalidTitle: 'No longer valid',
  invalid: "This card isn't valid any more. Nothing was closed.",
  /** The short answer Teams shows for a press the bot handled with chat messages. */
  handled: 'Done. See the chat for the next step.',
} as const;
