import { strict as assert } from 'node:assert';
import { LANGUAGES, inLanguageOf } from '../../locales/i18n';
import { everyCard } from './cardData';
import { contrast, HOSTS, TEAMS_LIGHT } from './hostConfigs';

type Colour = 'default' | 'accent' | 'good' | 'warning' | 'attention';

interface ShownText {
  readonly text: string;
  readonly colour: Colour;
  readonly subtle: boolean;
  /** A heading or large bold text: WCAG's "large text", which needs 3:1; everything else needs 4.5:1. */
  readonly large: boolean;
}

/** Every TextBlock and TextRun of a card, with the colour, subtlety and size it is shown in. */
function textsOf(card: unknown): ShownText[] {
  const found: ShownText[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const element = node as Record<string, unknown>;
    if ((element.type === 'TextBlock' || element.type === 'TextRun') && typeof element.text === 'string') {
      const word = (value: unknown, otherwise: string) => (typeof value === 'string' ? value.toLowerCase() : otherwise);
      const size = word(element.size, 'default');
      const bold = word(element.weight, '') === 'bolder';
      found.push({
        text: element.text,
        colour: word(element.color, 'default') as Colour,
        subtle: element.isSubtle === true,
        large: element.style === 'heading' || size === 'extralarge' || (size === 'large' && bold) || size === 'large',
      });
    }
    Object.values(element).forEach(walk);
  };
  walk(card);
  return found;
}

describe('card text contrast on every host (WCAG 2.2 1.4.3: 4.5:1, large text 3:1)', () => {
  for (const host of HOSTS) {
    it(`keeps every title at 3:1 and every other text at 4.5:1 on ${host.name}`, () => {
      const low: string[] = [];
      inLanguageOf('en', () => {
        for (const { name, content } of everyCard()) {
          for (const shown of textsOf(content)) {
            const colours = host.foreground[shown.colour] ?? host.foreground.default;
            const ratio = contrast(shown.subtle ? colours.subtle : colours.default, host.background);
            const needed = shown.large ? 3 : 4.5;
            if (ratio < needed)
              low.push(
                `${name}: "${shown.text.slice(0, 40)}" ${shown.colour}${shown.subtle ? ' subtle' : ''} ${ratio.toFixed(2)}:1 < ${needed}:1`,
              );
          }
        }
      });
      assert.deepEqual(low, []);
    });
  }

  it("measures Teams light's green title at about 2.1:1, as the issue found, so the check above can fail", () => {
    assert.ok(Math.abs(contrast(TEAMS_LIGHT.foreground.good.default, TEAMS_LIGHT.background) - 2.1) < 0.1);
    assert.ok(contrast(TEAMS_LIGHT.foreground.warning.default, TEAMS_LIGHT.background) < 1.7);
  });

  it('renders the same colours in every language (the colours do not depend on the words)', () => {
    for (const language of LANGUAGES) inLanguageOf(language, () => assert.ok(everyCard().length > 10));
  });
});
