import type { HandOffReason } from '../services/accountCloser';
import type { RejectionReason } from '../services/closureService';
import type { UnknownEvidenceReason } from '../services/handOff/signInEvidence';
import type { VerifiedIdentity } from '../services/identity';
import { isolateText, plainName } from './plainText';

/**
 * Everything the bot says, in one place: plain words, no internals, and never a token.
 *
 * Times are given in the reader's time zone when the channel sends one (`localTimezone`, an IANA name: Web Chat
 * and the Emulator send it; Teams sends it on messages), with the zone named; otherwise in UTC, said as such.
 */
export function formatTime(at: Date, timeZone?: string): string {
  const zone = timeZone && isTimeZone(timeZone) ? timeZone : undefined;
  if (!zone) return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  // sv-SE formats as "2026-12-01 10:01": the same ISO-like shape as the UTC fallback, unambiguous in English text.
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return `${local} (${zone} time)`;
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

/** Offered wherever a flow ends without a closure: whoever signed in with the wrong account is not stuck with it. */
const SIGN_OUT_OFFER = 'Signed in with the wrong account? Say **sign out**.';

export const Messages = {
  signInPrompt: 'Sign in with the work or school account you want to close.',
  signInTitle: 'Sign in',
  signInWaiting:
    "I'm still waiting for you to sign in. Press **Sign in** on the card above; if the page then shows a code, type it here. Say **cancel** to stop.",
  signInCodeMismatch: "That code didn't match. Press **Sign in** again to get a new code, then type the new one here.",
  signInCodeRevoked: (wrongCodes: number) =>
    `That was ${wrongCodes} codes that didn't match, so for your safety that code no longer works. Let's start sign-in again: press **Sign in** on the new card. Nothing has been changed.`,
  signInFailed: "Sign-in didn't finish, so nothing has changed. Say **close my account** to try again.",
  signedInAs: (identity: VerifiedIdentity) => `You're signed in as **${plainName(identity.displayName)}** (${plainName(identity.upn)}) of **${plainName(identity.organizationName)}**.`,
  eligible: 'Your organization is unmanaged (it was created by self-service sign-up and has no administrator), so you can close this account yourself.',
  managed: (organizationName: string) =>
    `Your account belongs to **${plainName(organizationName)}**, an organization with an administrator. Only that administrator can close or delete it: please contact them. Nothing has been changed. ${SIGN_OUT_OFFER}`,
  notWorkOrSchool:
    `This isn't a work or school account, so there is no organization account to close here. (Personal Microsoft accounts are closed on account.microsoft.com.) Nothing has been changed. ${SIGN_OUT_OFFER}`,
  exportPrompt: 'Would you like a copy of your data before the account is closed?',
  exportRetry: 'Please choose **Export my data first** or **Skip, don\'t export** on the card (or type "export" or "skip").',
  exportRequested:
    "I've asked for an export of your data. It usually takes a day or two, and can take up to 30 days. I'll message you here when the download is ready; then you can come back and close your account. Nothing has been closed.",
  exportStillRunning: (requestedAt: Date, timeZone?: string) =>
    `Your data export (requested ${formatTime(requestedAt, timeZone)}) is still being prepared, so I won't start another. You can wait for it, or go on to the warning now without it.`,
  exportRunningRetry: 'Please choose **Wait for the export** or **Go on without it** on the card (or type "wait" or "go on").',
  exportAlreadyRunning: "Your data export is already being prepared, so I haven't started another. I'll message you here when it's ready. Nothing has been closed.",
  exportFailedBefore: (reason: string) => `Your last data export didn't succeed (${reason}). You can ask for it again or go on without it.`,
  exportReady: 'Your data export is ready. Download it before you close your account: once the account is closed, the link is the only copy.',
  exportSkipped: 'No export, then.',
  waitForExport: "OK, I'll message you here when your export is ready. Nothing has been closed.",
  warningPrompt: 'Please read the card carefully. Closing cannot be undone.',
  typeIsNotConfirmation:
    "Typing doesn't close your account. To close it, press **Yes, close my account** on the card; to keep it, press **No, keep it** or say **cancel**.",
  closed: (upn: string, requestId: string, closedAt: Date) =>
    `Your account **${plainName(upn)}** has been closed. Request id: \`${requestId}\`, closed ${formatTime(closedAt)}. I've signed you out and forgotten this conversation's personal data.`,
  closedNotSignedOut: (upn: string, requestId: string, closedAt: Date) =>
    `Your account **${plainName(upn)}** has been closed. Request id: \`${requestId}\`, closed ${formatTime(closedAt)}. I've forgotten this conversation's personal data; signing you out of the bot didn't go through, but the account no longer exists.`,
  signInAgainToConfirm: 'Please sign in again to confirm closing your account. Nothing is closed until you have.',
  closedInBackground: (requestId: string, closedAt: Date) =>
    `Your account has now been closed. Request id: \`${requestId}\`, closed ${formatTime(closedAt)}.`,
  handedOff: (reason: HandOffReason, upn: string | undefined) =>
    `${HAND_OFF_WHY[reason]} Your account${upn ? ` **${plainName(upn)}**` : ''} has not been closed yet: you close it yourself on Microsoft's **My data requests** page, ` +
    'with the steps on the card. Export your data there first if you want a copy.',
  handOffVerified: (upn: string | undefined) =>
    `Your account${upn ? ` **${plainName(upn)}**` : ''} is closed: Microsoft's directory no longer knows it. I've signed you out and stopped checking.`,
  handOffStillOpen: (upn: string | undefined) =>
    `Your account${upn ? ` **${plainName(upn)}**` : ''} is still open: it still signs in. Finish the steps on **My data requests** (Close account, then Yes), then press **I've closed it, check** again.`,
  handOffCannotConfirm: (reason: UnknownEvidenceReason) =>
    `I can't confirm it yet. ${CANNOT_CONFIRM[reason]} I'll keep checking on my own for a while and tell you here if I see that it is closed.`,
  handOffUnconfirmedAtEnd: "I've stopped checking whether your account was closed on Microsoft's page, and I couldn't confirm it either way. If you closed it, there is nothing more to do; if not, it is still open.",
  handOffCheckRejected: (reason: 'unknownRequest' | 'notRequester' | 'alreadyVerified') => HAND_OFF_CHECK_REJECTIONS[reason],
  stillClosing: "Closing your account is taking longer than usual. I'll keep trying and message you here with the result. Don't worry: it will be closed only once.",
  declined: `Your account has been kept. Nothing was closed. ${SIGN_OUT_OFFER}`,
  cancelled: `Cancelled. Nothing has been closed. ${SIGN_OUT_OFFER}`,
  signedOut: "You're signed out. Nothing has been closed. Say **close my account** to sign in again, with this account or another one.",
  signedOutTeams:
    "You're signed out of this bot. Nothing has been closed. In Teams I sign you in with the account you use in Teams: to close a different account, sign in to Teams with it, or use the web chat.",
  stepOver: 'That step is over, so that button does nothing now. Say **close my account** to start again. Nothing has been changed.',
  signInOver:
    "That sign-in step is over, so I haven't used it. Say **close my account** to start again. Nothing has been changed.",
  warningStillWaiting:
    'The warning above is still waiting for your answer: **Yes, close my account** or **No, keep it**. Say **cancel** to stop.',
  nothingToCancel: "There's nothing to cancel. Say **close my account** to start.",
  noLongerEligible: (verdict: 'managed' | 'notWorkOrSchool') =>
    verdict === 'managed'
      ? 'Your organization now has an administrator, so the bot can no longer close this account. Please contact your administrator. Nothing has been closed.'
      : 'This is no longer a work or school account the bot can close. Nothing has been closed.',
  rejected: (reason: RejectionReason): string => REJECTIONS[reason],
  help: (step: ProgressStep | undefined): string =>
    `I help members of unmanaged (self-service sign-up) work or school organizations close their own account. ${step ? STEP_HELP[step] : 'Say **close my account** to start.'} Say **cancel** at any time to stop, or **sign out** to use a different account; nothing is closed unless you press **Yes, close my account** on the final warning.`,
  // Teams group chats and channels: sign-in, the export and the warning are personal, so they happen in the 1:1 chat.
  movedToPrivateChat: "I've sent you a private message. Closing an account happens there, so nothing personal is shown in this chat.",
  privateChatFailed:
    "I couldn't open a private chat with you. Message me in a 1:1 chat (select my name, then **Chat**) and say **close my account** there. Nothing has been changed.",
  groupHello:
    "Hi, I'm the Account Closure Bot: I help members of self-service (unmanaged) work or school organizations close their own account. That happens in a private 1:1 chat with me: mention me here with **close my account**, or message me directly.",
  exportReadyEarlier: (expiresAt: string) =>
    `Your data export is ready: the download link is in the message I sent you when it finished, and works until ${expiresAt}.`,
  turnFailed:
    "Sorry, something went wrong on my side. If you had confirmed closing your account, I'll tell you here what happened to it. Otherwise say **close my account** to try again, or **cancel** to start over.",
  sessionLost: 'I lost track of this conversation. Say **close my account** to start again; nothing has been closed.',
} as const;

const HAND_OFF_WHY: Record<HandOffReason, string> = {
  configured: "This bot hands closures to Microsoft's own page: in an organization without an administrator, nobody can give the bot the right to close accounts.",
  noAppToken: "This bot has no access to your organization (nobody there can grant it), so you'll finish on Microsoft's own page.",
  otherTenant: "This bot isn't set up for your organization, so you'll finish on Microsoft's own page.",
  forbidden: "This bot isn't allowed to close accounts in your organization, so you'll finish on Microsoft's own page.",
  userNotFound: "This bot can't see your account in its directory, so you'll finish on Microsoft's own page.",
};

const CANNOT_CONFIRM: Record<UnknownEvidenceReason, string> = {
  noToken: "I no longer get a sign-in for your account, but that also happens when a sign-in simply expires, so it isn't proof that the account is closed.",
  otherAccount: "You're signed in as a different account from the one that was handed off.",
  unreadable: "I couldn't read which account your sign-in belongs to.",
  tokenRefused: "Microsoft refused your account's sign-in, but it does not say whether that is because the account is closed or the sign-in expired.",
  unavailable: "Microsoft's directory didn't answer just now.",
};

const HAND_OFF_CHECK_REJECTIONS: Record<'unknownRequest' | 'notRequester' | 'alreadyVerified', string> = {
  unknownRequest: "I have no hand-off to check for that card. Say **close my account** to start again.",
  notRequester: 'Only the person who asked to close this account can check it.',
  alreadyVerified: 'That account is already confirmed closed.',
};

export type ProgressStep = 'signIn' | 'exportOffer' | 'warning' | 'closing';

const STEP_HELP: Record<ProgressStep, string> = {
  signIn: 'Right now I need you to sign in with the account you want to close, using the sign-in button above.',
  exportOffer: 'Right now you can choose to export your data first (recommended), or skip it.',
  warning: 'Right now the warning card is waiting for your decision: **Yes, close my account** or **No, keep it**.',
  closing: 'Your account is being closed; I will tell you the result.',
};

const REJECTIONS: Record<RejectionReason, string> = {
  unknownRequest: "That card isn't valid any more. Say **close my account** to start again. Nothing has been closed.",
  notRequester: 'Only the person who asked to close this account can answer that card. Nothing has been changed.',
  otherConversation: 'That card belongs to another conversation, so it can only be answered there. Nothing has been changed.',
  differentAccount:
    "You're signed in as a different account from the one on that card, so I won't close anything. Say **close my account** to start again.",
  badNonce: "That card isn't valid. Nothing has been closed.",
  expired: 'That warning has expired, so nothing has been closed. Say **close my account** to start again.',
  alreadyClosed: 'That account has already been closed.',
  alreadyHandedOff: "That request was already handed off to Microsoft's page.",
  inProgress: 'That request is already being handled. It will be done only once.',
  cancelled: 'That request was cancelled, so nothing has been closed. Say **close my account** to start again.',
  failedBefore: "That request didn't succeed and has ended. Say **close my account** to start again.",
  closedByAnotherRequest: 'That account is already closed or being closed by another request.',
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
  // Card text (a TextRun), which renders no Markdown: plain words, quotes instead of bold.
  expired: 'This warning expired before it was confirmed. Nothing was closed. Say "close my account" to start again.',
  handedOffTitle: "Finish on Microsoft's page",
  handedOff: "The account wasn't closed by the bot. The steps to close it yourself are in the chat.",
  refusedTitle: 'Not closed',
  refused: "This request ended without closing the account. The reason is in the chat.",
  invalidTitle: 'No longer valid',
  invalid: "This card isn't valid any more. Nothing was closed.",
  /** The short answer Teams shows for a press the bot handled with chat messages. */
  handled: 'Done. See the chat for the next step.',
} as const;
