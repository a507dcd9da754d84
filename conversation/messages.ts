import type { HandOffReason } from '../services/accountCloser';
import type { RejectionReason } from '../services/closureService';
import type { UnknownEvidenceReason } from '../services/handOff/signInEvidence';
import type { VerifiedIdentity } from '../services/identity';
import type { ClosureMode, DownloadLink } from '../cards/renderCard';
import type { ExportFile } from '../services/dataExporter';
import en from '../locales/en.json';
import { currentChannel, t } from '../locales/i18n';
import type { AppError } from '../services/errors';
import { formatSize, formatTime } from './formatting';
import { plainAddress, plainName } from './plainText';

/**
 * Everything the bot says in chat, in one place: plain words, no internals, and never a token. Times and sizes
 * are the reader's (formatting.ts); the Teams warning card's states are cardMessages.ts.
 */

export type ProgressStep = 'signIn' | 'exportOffer' | 'warning' | 'closing';

/**
 * Every sentence lives in locales/{language}.json; the getters look it up in the current turn's language
 * (locales/i18n.ts). A message added here in English as a plain string still works, and moves to en.json (and
 * every other language file) when it is translated; test/locales finds what was not.
 */
export const Messages = {
  get signInPrompt() {
    return t('signInPrompt');
  },
  get signInTitle() {
    return t('signInTitle');
  },
  get signInWaiting() {
    return t('signInWaiting');
  },
  get signInCodeMismatch() {
    return t('signInCodeMismatch');
  },
  signInCodeRevoked: (wrongCodes: number) => t('signInCodeRevoked', { wrongCodes }),
  get signInFailed() {
    return t('signInFailed');
  },
  signedInAs: (identity: VerifiedIdentity) =>
    t('signedInAs', {
      displayName: plainName(identity.displayName),
      upn: plainAddress(identity.upn),
      organizationName: plainName(identity.organizationName),
    }),
  get eligible() {
    return t('eligible');
  },
  managed: (organizationName: string) => t('managed', { organizationName: plainName(organizationName), signOutOffer: signOutOffer() }),
  get notWorkOrSchool() {
    return t('notWorkOrSchool', { signOutOffer: signOutOffer() });
  },
  exportPrompt: (mode: ClosureMode) => t(inMode(mode, 'exportPrompt')),
  get exportRetry() {
    return t('exportRetry');
  },
  get exportRequested() {
    return t('exportRequested');
  },
  exportStillRunning: (requestedAt: Date, timeZone?: string) => t('exportStillRunning', { requestedAt: formatTime(requestedAt, timeZone) }),
  get exportRunningRetry() {
    return t('exportRunningRetry');
  },
  get exportAlreadyRunning() {
    return t('exportAlreadyRunning');
  },
  get exportFailedBefore() {
    return t('exportFailedBefore');
  },
  get exportReady() {
    return t('exportReady');
  },
  get exportNoFiles() {
    return t('exportNoFiles');
  },
  /**
   * The card's download buttons: one per file the export produced, named with its size, each button labelled with
   * the file's short name so no two read alike to a screen reader (the renderers take a button's accessible name
   * from its title, not its tooltip).
   */
  exportDownloads: (files: readonly ExportFile[]): DownloadLink[] => {
    const shortNames = distinctShortNames(files.map((file) => file.name));
    return files.map((file, index) => {
      const named = { name: file.name, size: formatSize(file.sizeBytes) };
      return {
        title: t('exportDownloadFile', named),
        file: t('exportFile', named),
        button: t('exportDownloadButton', { name: shortNames[index] }),
        url: file.downloadUrl,
      };
    });
  },
  get exportSkipped() {
    return t('exportSkipped');
  },
  get waitForExport() {
    return t('waitForExport');
  },
  get warningPrompt() {
    return t('warningPrompt');
  },
  typeIsNotConfirmation: (mode: ClosureMode) => t(inMode(mode, 'typeIsNotConfirmation')),
  /** The export asked for where the bot cannot request one (portal mode, or a tenant that gives it no rights). */
  exportHandedOff: (portalUrl: string) => t('handOffNotes.exportHandedOff', { portalUrl }),
  /** An old card's button pressed after its request closed the account: the outcome, and nothing that acts. */
  get cardClosed() {
    return t('handOffNotes.cardClosed');
  },
  /** An old card's button pressed after the hand-off was verified: the verdict, and nothing that acts. */
  get cardVerified() {
    return t('handOffNotes.cardVerified');
  },
  closed: (upn: string, requestId: string, closedAt: Date, timeZone?: string) =>
    t('closed', { upn: plainAddress(upn), requestId, closedAt: formatTime(closedAt, timeZone) }),
  closedNotSignedOut: (upn: string, requestId: string, closedAt: Date, timeZone?: string) =>
    t('closedNotSignedOut', { upn: plainAddress(upn), requestId, closedAt: formatTime(closedAt, timeZone) }),
  get signInAgainToConfirm() {
    return t('signInAgainToConfirm');
  },
  closedInBackground: (requestId: string, closedAt: Date, timeZone?: string) =>
    t('closedInBackground', { requestId, closedAt: formatTime(closedAt, timeZone) }),
  // i18next context "named" (`handedOff_named`) when the account is known.
  handedOff: (reason: HandOffReason, upn: string | undefined) => t('handedOff', { why: t(`handOffWhy.${reason}`), ...named(upn) }),
  handOffVerified: (upn: string | undefined) => t('handOffVerified', named(upn)),
  handOffStillOpen: (upn: string | undefined) => t('handOffStillOpen', named(upn)),
  handOffCannotConfirm: (reason: UnknownEvidenceReason) => t('handOffCannotConfirm', { why: t(`cannotConfirm.${reason}`) }),
  get handOffUnconfirmedAtEnd() {
    return t('handOffUnconfirmedAtEnd');
  },
  handOffCheckRejected: (reason: 'unknownRequest' | 'notRequester' | 'alreadyVerified') => t(`handOffCheckRejected.${reason}`),
  get stillClosing() {
    return t('stillClosing');
  },
  closedElsewhere: (requestId: string) => t('closedElsewhere', { requestId }),
  outcomeUnknown: (requestId: string) => t('outcomeUnknown', { requestId }),
  /** A Yes whose recording failed: `certain` when it surely was not recorded (nothing is owed for it then). */
  notRecorded: (certain: boolean) => t(certain ? 'notRecorded' : 'notRecordedUnsure'),
  get accountClosedElsewhere() {
    return t('accountClosedElsewhere');
  },
  get accountBeingClosed() {
    return t('accountBeingClosed');
  },
  get declined() {
    return t('declined', { signOutOffer: signOutOffer() });
  },
  get cancelled() {
    return t('cancelled', { signOutOffer: signOutOffer() });
  },
  /**
   * Signed out: "nothing has been closed" only when the sign-out ended a flow in progress. With none, the bot cannot
   * tell (a closure forgets the conversation), and the account may have just been closed (issue 20).
   */
  signedOut: (endedAFlow: boolean) => t('signedOut', endedAFlow ? undefined : { context: 'idle' }),
  signedOutTeams: (endedAFlow: boolean) => t('signedOutTeams', endedAFlow ? undefined : { context: 'idle' }),
  /** A press of a finished step's button; while the warning waits, the sentence points at it, not at starting again. */
  stepOver: (warningLive: boolean) => t('stepOver', warningLive ? { context: 'warning' } : undefined),
  /** Another card's Yes or No while the latest warning waits: that warning is the one to answer. */
  get otherCardWhileWarning() {
    return t('otherCardWhileWarning');
  },
  get signInOver() {
    return t('signInOver');
  },
  warningStillWaiting: (mode: ClosureMode) => t(inMode(mode, 'warningStillWaiting')),
  get nothingToCancel() {
    return t('nothingToCancel');
  },
  noLongerEligible: (verdict: 'managed' | 'notWorkOrSchool') =>
    t(verdict === 'managed' ? 'noLongerEligibleManaged' : 'noLongerEligibleNotWorkOrSchool'),
  rejected: (reason: RejectionReason): string => t(`rejected.${reason}`),
  // Teams signs people in with their Teams account, so "sign out to use a different account" is not said there.
  help: (progress: HelpProgress, mode: ClosureMode): string =>
    t(inMode(mode, 'help'), { where: whereYouAre(progress, mode) ?? t('helpStart'), ...(inTeams() ? { context: 'teams' } : {}) }),
  /** Where the person's closure is, for "status": the step, an export being prepared, or that nothing is in progress. */
  status: (progress: HelpProgress, mode: ClosureMode): string => {
    const where = whereYouAre(progress, mode);
    return where ? t('status', { where }) : t('statusIdle');
  },
  /** An error's sentence in the reader's language (`errors.<CODE>`), with the values it names (a page's address). */
  error: (error: Pick<AppError, 'code' | 'userValues'>): string => t(`errors.${error.code}`, { ...error.userValues }),
  get handOffUnnamedAccount() {
    return t('handOffUnnamedAccount');
  },
  get answeredInPrivateChat() {
    return t('answeredInPrivateChat');
  },
  // Teams offers no sign-in (OAuth card or SSO) to bots in channels; group chats and 1:1 chats work.
  get groupChatSignIn() {
    return t('groupChatSignIn');
  },
  // Teams group chats and channels: sign-in, the export and the warning are personal, so they happen in the 1:1 chat.
  get movedToPrivateChat() {
    return t('movedToPrivateChat');
  },
  get privateChatFailed() {
    return t('privateChatFailed');
  },
  get groupHello() {
    return t('groupHello');
  },
  exportReadyEarlier: (expiresAt: string) => t('exportReadyEarlier', { expiresAt }),
  get turnFailed() {
    return t('turnFailed');
  },
  get sessionLost() {
    return t('sessionLost');
  },
};

/** What "help" and "status" know of the person's progress in this conversation. */
export interface HelpProgress {
  readonly step?: ProgressStep;
  readonly exportRequestedAt?: string;
  readonly timeZone?: string;
}

function whereYouAre({ step, exportRequestedAt, timeZone }: HelpProgress, mode: ClosureMode): string | undefined {
  if (step) return t(inMode(mode, `stepHelp.${step}`));
  if (exportRequestedAt) return t('stepHelp.export', { requestedAt: formatTime(new Date(exportRequestedAt), timeZone) });
  return undefined;
}

function inTeams(): boolean {
  return currentChannel() === 'msteams';
}

/** The closing offer of an ended flow: sign out to switch accounts, except in Teams, where that cannot work. */
function signOutOffer(): string {
  return t(inTeams() ? 'signOutOfferTeams' : 'signOutOffer');
}

/**
 * The key of a sentence in the words of the closure mode: in `portal` mode (the bot closes nothing itself) a
 * sentence that speaks of pressing Yes to close has its own text under `portalMode.` in the language files.
 */
export function inMode(mode: ClosureMode, key: string): string {
  return mode === 'portal' && PORTAL_KEYS.has(key) ? `portalMode.${key}` : key;
}

/** Every key with a portal-mode text (English has them all; the i18n test holds the other languages to it). */
const PORTAL_KEYS: ReadonlySet<string> = new Set(flatKeys(en.portalMode));

function flatKeys(node: object, prefix = ''): string[] {
  return Object.entries(node).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null ? flatKeys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** Interpolation for a sentence that names the account when it is known (the `_named` variant of its key). */
function named(upn: string | undefined): { context?: string; upn?: string } {
  return upn ? { context: 'named', upn: plainAddress(upn) } : {};
}

/**
 * How wide a short name a download button shows may be, in widths of a lowercase letter: its label then fits a 288 px
 * card in every language and is never cut (the longest, German "<name> herunterladen", with the widest letters:
 * measured by test/browser/teamsCardRenders.test.ts).
 */
const MAX_SHORT_NAME_WIDTH = 13;

/** A character's width in lowercase letters, roughly: capitals and m/w half as wide again, CJK and other full-width twice. */
function widthOf(character: string): number {
  if (character.codePointAt(0)! >= 0x2e80) return 2;
  return /[A-Zmw]/.test(character) ? 1.5 : 1;
}

/** Each file's name without its extension, shortened to {@link MAX_SHORT_NAME_WIDTH}, numbered where two would read alike. */
function distinctShortNames(names: readonly string[]): string[] {
  const shortened = names.map((name) => {
    const base = name.replace(/\.[^.]+$/, '') || name;
    let width = 0;
    const kept: string[] = [];
    for (const character of base) {
      width += widthOf(character);
      if (width > MAX_SHORT_NAME_WIDTH) return `${kept.slice(0, -1).join('')}\u2026`;
      kept.push(character);
    }
    return base;
  });
  return shortened.map((short, index) =>
    shortened.indexOf(short) !== shortened.lastIndexOf(short)
      ? `${short} ${shortened.slice(0, index + 1).filter((s) => s === short).length}`
      : short,
  );
}
