/** Representative data for every card, as the dialogs will pass it. */
import { finalCard } from '../../bot/teams/cards';
import { renderCard, type CardDataMap, type CardName } from '../../cards/renderCard';
import { Messages } from '../../conversation/messages';
import type { ClosureRequest } from '../../services/closureRequest';

export function createCardData(): { [N in CardName]: CardDataMap[N] } {
  return {
    welcome: {},
    exportOffer: { upn: 'alex@contoso.onmicrosoft.com', organizationName: 'Contoso (unmanaged)' },
    exportReady: {
      // The titles the dialogs write, in the current language, for the files the sandbox's export writes.
      files: Messages.exportDownloads([
        { name: 'export-info.json', sizeBytes: 144, downloadUrl: 'https://exports.example.net/d/7f3a/export-info.json?sig=abc' },
        { name: 'organization.json', sizeBytes: 1_234_567, downloadUrl: 'https://exports.example.net/d/7f3a/organization.json?sig=def' },
      ]),
      expiresAt: '4 December 2025, 14:30 UTC',
    },
    handOff: {
      requestId: 'req-01HF8Z3K2M',
      upn: 'alex@contoso.onmicrosoft.com',
      portalUrl: 'https://go.microsoft.com/fwlink/?linkid=873123',
    },
    exportRunning: { requestedAt: '2 December 2025, 09:15 UTC' },
    warning: {
      requestId: 'req-01HF8Z3K2M',
      nonce: 'q8Jt2m5VbXc9RkLw0PzYhA4nE7sD1fGu',
      upn: 'alex@contoso.onmicrosoft.com',
      displayName: 'Alex Wilber',
      organizationName: 'Contoso (unmanaged)',
      expiresAt: '27 November 2025, 15:00 UTC',
      requesterAadObjectId: '29:1a2b3c-requester',
      universalActions: true,
    },
    outcome: {
      title: 'Account closed',
      message: 'Your account alex@contoso.onmicrosoft.com has been closed and its personal data is being removed.',
      requestId: 'req-01HF8Z3K2M',
      facts: [
        { title: 'Account', value: 'alex@contoso.onmicrosoft.com' },
        { title: 'Closed at', value: '27 November 2025, 14:52 UTC' },
      ],
      tone: 'good',
    },
  };
}

export const CARD_NAMES: readonly CardName[] = ['welcome', 'exportOffer', 'exportReady', 'exportRunning', 'handOff', 'warning', 'outcome'];

/** A closed request as the Teams card's final states show it (also test/e2e/readerTimeZone.test.ts). */
export const CLOSED_REQUEST: ClosureRequest = {
  requestId: 'cr_0123456789abcdef0123456789abcdef',
  channelId: 'msteams',
  channelUserId: '29:1kim',
  objectId: 'o',
  tenantId: 't',
  upnHash: 'h',
  nonceHash: 'n',
  status: 'closed',
  createdAt: '2026-03-01T11:50:00Z',
  expiresAt: '2026-03-01T11:59:00Z',
  updatedAt: '2026-03-01T11:58:00Z',
  closedAt: '2026-03-01T11:58:00Z',
  attempts: 1,
};

/** Every card in every state a person can see: each template, each outcome tone, each Teams final state. */
export function everyCard(): Array<{ name: string; content: unknown }> {
  const data = createCardData();
  const cards: Array<{ name: string; content: unknown }> = CARD_NAMES.map((name) => ({
    name,
    content: renderCard(name, data[name] as never).content,
  }));
  for (const tone of ['default', 'good', 'warning', 'attention'] as const)
    cards.push({
      name: `outcome (${tone})`,
      content: renderCard('outcome', { ...data.outcome, tone } satisfies CardDataMap['outcome']).content,
    });
  for (const status of ['closed', 'cancelled', 'expired', 'failed', 'handedOff'] as const) {
    const card = finalCard({ ...CLOSED_REQUEST, status }, new Date('2026-03-01T12:00:00Z'));
    if (card) cards.push({ name: `Teams ${status}`, content: card.content });
  }
  return cards;
}
