import type { RejectionReason } from '../services/closureService';
import type { VerifiedIdentity } from '../services/identity';

/**
 * Everything the bot says, in one place: plain words, no internals, and never a token. Times are given in
 * UTC with the zone named, because the bot cannot know the reader's time zone.
 */
export function formatTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const Messages = {
  signInPrompt: 'Sign in with the work or school account you want to close.',
  signInTitle: 'Sign in',
  signInFailed: "Sign-in didn't finish, so nothing has changed. Say **close my account** to try again.",
  signedInAs: (identity: VerifiedIdentity) => `You're signed in as **${identity.displayName}** (${identity.upn}) of **${identity.organizationName}**.`,
  eligible: 'Your organization is unmanaged (it was created by self-service sign-up and has no administrator), so you can close this account yourself.',
  managed: (organizationName: string) =>
    `Your account belongs to **${organizationName}**, an organization with an administrator. Only that administrator can close or delete it: please contact them. Nothing has been changed.`,
  notWorkOrSchool:
    "This isn't a work or school account, so there is no organization account to close here. (Personal Microsoft accounts are closed on account.microsoft.com.) Nothing has been changed.",
  exportPrompt: 'Would you like a copy of your data before the account is closed?',
  exportRetry: 'Please choose **Export my data first** or **Skip, don\'t export** on the card (or type "export" or "skip").',
  exportRequested:
    "I've asked for an export of your data. It usually takes a day or two, and can take up to 30 days. I'll message you here when the download is ready; then you can come back and close your account. Nothing has been closed.",
  exportStillRunning: (requestedAt: Date) =>
    `Your data export (requested ${formatTime(requestedAt)}) is still being prepared. I'll message you here when it's ready. You can wait for it, or skip it and close your account now.`,
  exportFailedBefore: (reason: string) => `Your last data export didn't succeed (${reason}). You can ask for it again or go on without it.`,
  exportReady: 'Your data export is ready. Download it before you close your account: once the account is closed, the link is the only copy.',
  exportSkipped: 'No export, then.',
  waitForExport: "OK, I'll message you here when your export is ready. Nothing has been closed.",
  warningPrompt: 'Please read the card carefully. Closing cannot be undone.',
  typeIsNotConfirmation:
    "Typing doesn't close your account. To close it, press **Yes, close my account** on the card; to keep it, press **No, keep it** or say **cancel**.",
  closed: (upn: string, requestId: string, closedAt: Date) =>
    `Your account **${upn}** has been closed. Request id: \`${requestId}\`, closed ${formatTime(closedAt)}. I've signed you out and forgotten this conversation's personal data.`,
  closedInBackground: (requestId: string, closedAt: Date) =>
    `Your account has now been closed. Request id: \`${requestId}\`, closed ${formatTime(closedAt)}.`,
  handedOff: (portalUrl: string, reason: 'configured' | 'forbidden') =>
    `${reason === 'forbidden' ? "This bot isn't allowed to close accounts in your organization, so you'll finish on Microsoft's own page." : "You'll finish on Microsoft's own page."} ` +
    `1. Open ${portalUrl} and sign in with this account. 2. Select **Close account**. 3. Confirm with **Yes**. Your account has not been closed yet.`,
  stillClosing: "Closing your account is taking longer than usual. I'll keep trying and message you here with the result. Don't worry: it will be closed only once.",
  declined: 'Your account has been kept. Nothing was closed.',
  cancelled: 'Cancelled. Nothing has been closed.',
  nothingToCancel: "There's nothing to cancel. Say **close my account** to start.",
  noLongerEligible: (verdict: 'managed' | 'notWorkOrSchool') =>
    verdict === 'managed'
      ? 'Your organization now has an administrator, so the bot can no longer close this account. Please contact your administrator. Nothing has been closed.'
      : 'This is no longer a work or school account the bot can close. Nothing has been closed.',
  rejected: (reason: RejectionReason): string => REJECTIONS[reason],
  help: (step: ProgressStep | undefined): string =>
    `I help members of unmanaged (self-service sign-up) work or school organizations close their own account. ${step ? STEP_HELP[step] : 'Say **close my account** to start.'} Say **cancel** at any time to stop; nothing is closed unless you press **Yes, close my account** on the final warning.`,
  // Teams group chats and channels: sign-in, the export and the warning are personal, so they happen in the 1:1 chat.
  movedToPrivateChat: "I've sent you a private message. Closing an account happens there, so nothing personal is shown in this chat.",
  privateChatFailed:
    "I couldn't open a private chat with you. Message me in a 1:1 chat (select my name, then **Chat**) and say **close my account** there. Nothing has been changed.",
  groupHello:
    "Hi, I'm the Account Closure Bot: I help members of self-service (unmanaged) work or school organizations close their own account. That happens in a private 1:1 chat with me: mention me here with **close my account**, or message me directly.",
  exportReadyEarlier: (expiresAt: string) =>
    `Your data export is ready: the download link is in the message I sent you when it finished, and works until ${expiresAt}.`,
  sessionLost: 'I lost track of this conversation. Say **close my account** to start again; nothing has been closed.',
} as const;

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
  waiting: (name: string) => `Waiting for ${name} to confirm. Only they can answer this card.`,
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
