import type { ClosureMode } from '../cards/renderCard';
import { t } from '../locales/i18n';
import { inMode } from './messages';
import { isolateText } from './plainText';

/**
 * The Teams warning card's other states (Universal Actions): what replaces it once it was answered or ended,
 * and what members other than the requester see. Each pair is a card title and its one sentence.
 */
export const CardMessages = {
  get waitingTitle() {
    return t('teamsCard.waitingTitle');
  },
  waiting: (name: string) => t('teamsCard.waiting', { name: isolateText(name) }),
  get theRequester() {
    return t('teamsCard.theRequester');
  },
  closingTitle: (mode: ClosureMode) => t(inMode(mode, 'teamsCard.closingTitle')),
  closing: (mode: ClosureMode) => t(inMode(mode, 'teamsCard.closing')),
  get closedTitle() {
    return t('teamsCard.closedTitle');
  },
  get closed() {
    return t('teamsCard.closed');
  },
  get closedAt() {
    return t('teamsCard.closedAt');
  },
  get keptTitle() {
    return t('teamsCard.keptTitle');
  },
  get kept() {
    return t('teamsCard.kept');
  },
  get cancelledTitle() {
    return t('teamsCard.cancelledTitle');
  },
  get cancelled() {
    return t('teamsCard.cancelled');
  },
  get expiredTitle() {
    return t('teamsCard.expiredTitle');
  },
  get expired() {
    return t('teamsCard.expired');
  },
  /** A hand-off whose closure the bot has seen (Graph: this object does not exist): every card of it says so. */
  get verifiedTitle() {
    return t('handOffNotes.verifiedTitle');
  },
  get verified() {
    return t('handOffNotes.verified');
  },
  get handedOffTitle() {
    return t('teamsCard.handedOffTitle');
  },
  get handedOff() {
    return t('teamsCard.handedOff');
  },
  get refusedTitle() {
    return t('teamsCard.refusedTitle');
  },
  get refused() {
    return t('teamsCard.refused');
  },
  get invalidTitle() {
    return t('teamsCard.invalidTitle');
  },
  get invalid() {
    return t('teamsCard.invalid');
  },
  get closedElsewhereTitle() {
    return t('teamsCard.closedElsewhereTitle');
  },
  get closedElsewhere() {
    return t('teamsCard.closedElsewhere');
  },
  get unknownTitle() {
    return t('teamsCard.unknownTitle');
  },
  get unknown() {
    return t('teamsCard.unknown');
  },
  /** The answer to a Yes or No before anything is recorded: it promises only that the card changes once it is. */
  get answerReceived() {
    return t('teamsCard.answerReceived');
  },
  get notOurAction() {
    return t('teamsCard.notOurAction');
  },
  /** The short answer Teams shows for a press the bot handled with chat messages. */
  get handled() {
    return t('teamsCard.handled');
  },
};
