import { strict as assert } from 'node:assert';
import { MAX_DOWNLOAD_BUTTONS, renderCard } from '../../cards/renderCard';
import { buttonsOn } from '../../cards/cardActions';
import { inLanguageOf } from '../../locales/i18n';
import { CARD_NAMES, createCardData } from './cardData';

/** Teams shows at most this many actions of a card (host config `actions.maxActions`, microsoft-teams-light.json). */
const TEAMS_MAX_ACTIONS = 6;

/** The buttons a person sees on a card: every item of every `actions` list, at its foot or in body ActionSets. */
function actionsIn(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + actionsIn(item), 0);
  if (!node || typeof node !== 'object') return 0;
  const element = node as Record<string, unknown>;
  const own = Array.isArray(element.actions) ? element.actions.length : 0;
  return Object.entries(element)
    .filter(([key]) => key !== 'fallback' && key !== 'refresh')
    .reduce((sum, [, value]) => sum + actionsIn(value), own);
}

const files = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    title: `Download part-${i + 1}.json (1.0 KB)`,
    file: `part-${i + 1}.json (1.0 KB)`,
    button: `Download part-${i + 1}`,
    url: `https://exports.example.net/d/part-${i + 1}.json?sig=${i}`,
  }));

describe("cards within Teams' action limit", () => {
  it('keeps every card at 6 actions or fewer', () => {
    const data = createCardData();
    inLanguageOf('en', () => {
      for (const name of CARD_NAMES) assert.ok(actionsIn(renderCard(name, data[name] as never).content) <= TEAMS_MAX_ACTIONS, name);
    });
  });

  it('shows eight files of an export as five buttons, Continue, and the other three as links in the text', () => {
    const card = inLanguageOf('en', () => renderCard('exportReady', { files: files(8), expiresAt: 'Dec 4, 2026, 2:30 PM UTC' }).content);
    const actions = buttonsOn(card) as Array<{ title?: string; type?: string }>;
    assert.equal(actionsIn(card), TEAMS_MAX_ACTIONS);
    assert.equal(actions.length, TEAMS_MAX_ACTIONS);
    assert.equal(actions.filter((a) => a.type === 'Action.OpenUrl').length, MAX_DOWNLOAD_BUTTONS);
    assert.equal(actions.at(-1)?.title, 'Continue to close my account');
    const text = JSON.stringify(
      (card as unknown as { body: Array<{ type: string }> }).body.filter((element) => element.type === 'TextBlock'),
    );
    for (const n of [6, 7, 8])
      assert.ok(
        text.includes(`[Download part-${n}.json (1.0 KB)](https://exports.example.net/d/part-${n}.json?sig=${n - 1})`),
        `file ${n}`,
      );
    assert.ok(!text.includes('part-5.json'), 'a file with a button is not listed again');
  });

  it('lists no extra file when there are five or fewer', () => {
    const card = inLanguageOf('en', () => renderCard('exportReady', { files: files(2), expiresAt: 'Dec 4, 2026, 2:30 PM UTC' }).content);
    assert.equal(actionsIn(card), 3);
    assert.ok(!JSON.stringify(card).includes('${'), 'no unfilled field');
  });
});
