/** Representative data for every card, as the dialogs will pass it. */
import type { CardDataMap, CardName } from '../../cards/renderCard';

export function createCardData(): { [N in CardName]: CardDataMap[N] } {
  return {
    welcome: {},
    exportOffer: { upn: 'alex@contoso.onmicrosoft.com', organizationName: 'Contoso (unmanaged)' },
    exportReady: {
      files: [
        { title: 'Download profile.json (1.2 KB)', url: 'https://exports.example.net/d/7f3a/profile.json?sig=abc' },
        { title: 'Download organization.json (512 B)', url: 'https://exports.example.net/d/7f3a/organization.json?sig=def' },
      ],
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
