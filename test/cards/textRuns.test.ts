import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { closingCard, finalCard, invalidCard, keptCard, waitingCardFor } from '../../bot/teams/cards';
import { renderCard } from '../../cards/renderCard';
import type { ClosureRequest, ClosureStatus } from '../../services/closureRequest';
import { CARD_NAMES, createCardData } from './cardData';

/**
 * A `TextRun` shows its text as it is: "Text to display. Markdown is not supported."
 * (https://learn.microsoft.com/adaptive-cards/schema-explorer/text-run; emphasis is the run's own `weight`,
 * `italic`, `strikethrough`; Markdown renders in `TextBlock`, see .../authoring-cards/text-features). So
 * "**close**" in a TextRun reaches the reader with its asterisks.
 */
const MARKDOWN = [/\*\*/, /(^|\s)_[^_\s][^_]*_(\s|$)/, /`/, /\[[^\]]*\]\([^)]*\)/, /~~/, /^\s*#{1,6}\s/m, /^\s*[-*+]\s/m];

const CARDS_DIR = path.resolve(__dirname, '../../cards');
const NOW = new Date('2026-03-01T12:00:00Z');

function textRuns(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(textRuns);
  if (!node || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = record.type === 'TextRun' && typeof record.text === 'string' ? [record.text] : [];
  return [...own, ...Object.values(record).flatMap(textRuns)];
}

function markdownIn(runs: readonly string[]): string[] {
  return runs.filter((text) => MARKDOWN.some((pattern) => pattern.test(text)));
}

function request(status: ClosureStatus, extra: Partial<ClosureRequest> = {}): ClosureRequest {
  return {
    requestId: 'cr_0123456789abcdef0123456789abcdef',
    channelId: 'msteams',
    channelUserId: '29:1kim',
    objectId: 'o',
    tenantId: 't',
    upnHash: 'h',
    nonceHash: 'n',
    status,
    createdAt: '2026-03-01T11:50:00Z',
    expiresAt: '2026-03-01T11:59:00Z',
    updatedAt: '2026-03-01T11:55:00Z',
    attempts: 0,
    ...extra,
  };
}

describe('TextRuns in cards (no Markdown where it does not render)', () => {
  const templates = readdirSync(CARDS_DIR).filter((name) => name.endsWith('.json'));

  it('finds every card template in cards/', () => {
    assert.deepEqual([...templates].sort(), [...CARD_NAMES].map((name) => `${name}.json`).sort());
  });

  for (const file of templates) {
    it(`writes no Markdown in the TextRuns of ${file}`, () => {
      const runs = textRuns(JSON.parse(readFileSync(path.join(CARDS_DIR, file), 'utf8')));
      assert.deepEqual(markdownIn(runs), []);
    });
  }

  for (const name of CARD_NAMES) {
    it(`renders no Markdown into the TextRuns of ${name} with the dialogs' data`, () => {
      const card = renderCard(name, createCardData()[name] as never);
      assert.deepEqual(markdownIn(textRuns(card.content)), []);
    });
  }

  it('puts no Markdown into the TextRuns of any Teams warning card state (waiting, closing, kept, invalid, every final state)', () => {
    const statuses: ClosureStatus[] = ['pending', 'confirmed', 'closing', 'closed', 'handedOff', 'failed', 'cancelled', 'expired'];
    const cards = [
      waitingCardFor('Kim Akers'),
      waitingCardFor(undefined),
      closingCard('cr_1'),
      keptCard('cr_1'),
      invalidCard(),
      ...statuses.map((status) => finalCard(request(status, { closedAt: '2026-03-01T11:58:00Z' }), NOW)),
      finalCard(request('cancelled', { declined: true }), NOW),
    ];
    const found = cards.flatMap((card) => (card ? markdownIn(textRuns(card.content)) : []));
    assert.deepEqual(found, []);
  });
});
