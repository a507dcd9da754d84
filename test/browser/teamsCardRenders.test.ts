import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { inLanguageOf, LANGUAGES } from '../../locales/i18n';
import { everyCard } from '../cards/cardData';
import { TEAMS_HOST_CONFIGS, type TeamsHostConfig } from '../cards/teamsHostConfigs';
import { closeChromium, launchChromium } from '../support/chromium';

const ROOT = path.resolve(__dirname, '../..');
const PHONE_WIDTH = 320;
/** Teams on a 320 px phone leaves the card the screen less its gutters (about 16 px a side). */
const CARD_WIDTH = PHONE_WIDTH - 2 * 16;
/**
 * The designer's Teams configs lay actions out in a row (`Horizontal`), and our two-button cards then run past a
 * 288 px card in every language, English included: that layout is drawn by the desktop client. On a phone the
 * actions are drawn one per line, as Web Chat draws them (test/browser/narrowCards.test.ts); that is the layout
 * checked here (an assumption about the Teams mobile clients, which publish no host config).
 */
const PHONE_ACTIONS = { actionsOrientation: 'vertical', actionAlignment: 'stretch' };

/** What the page found wrong in one render: a contrast below the bar, a cut label, text past the card. */
interface RenderProblems {
  readonly problems: string[];
  /** How many text elements were measured, so a render that shows nothing cannot pass. */
  readonly measured: number;
}

/**
 * Renders each card with the adaptivecards renderer (the one Web Chat and the designer use) under one Teams host
 * config in a card-wide box, and measures what Chromium drew: each text's computed colour over the background it
 * sits on (WCAG 2.2 contrast: 3:1 for titles, i.e. headings and text of 18 px and more, 4.5:1 for the rest), each
 * button label's and each text's width against the card.
 */
async function renderAndMeasure(
  page: Page,
  host: TeamsHostConfig,
  cards: Array<{ label: string; content: unknown }>,
): Promise<RenderProblems> {
  return page.evaluate(
    ({ hostConfig, cards, width }) => {
      interface Renderer {
        hostConfig: unknown;
        parse(json: unknown): void;
        render(): HTMLElement;
      }
      const AC = (window as unknown as { AdaptiveCards: { HostConfig: new (json: unknown) => unknown; AdaptiveCard: new () => Renderer } })
        .AdaptiveCards;
      const rgba = (css: string) => {
        const [r = 0, g = 0, b = 0, a = 1] = (css.match(/[\d.]+/g) ?? []).map(Number);
        return { r, g, b, a: css.startsWith('rgba') ? a : 1 };
      };
      const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
        const channel = (c: number) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
      };
      /** The opaque colour behind an element: the nearest ancestor's background, composited up to the page's white. */
      const backgroundOf = (element: Element | null): { r: number; g: number; b: number } => {
        if (!element) return { r: 255, g: 255, b: 255 };
        const own = rgba(getComputedStyle(element).backgroundColor);
        if (own.a === 0) return backgroundOf(element.parentElement);
        const under = own.a < 1 ? backgroundOf(element.parentElement) : { r: 0, g: 0, b: 0 };
        return {
          r: own.r * own.a + under.r * (1 - own.a),
          g: own.g * own.a + under.g * (1 - own.a),
          b: own.b * own.a + under.b * (1 - own.a),
        };
      };
      const config = new AC.HostConfig(hostConfig);
      const problems: string[] = [];
      let measured = 0;
      const host = document.getElementById('cards')!;
      for (const { label, content } of cards) {
        const box = document.createElement('div');
        box.style.width = `${width}px`;
        const adaptive = new AC.AdaptiveCard();
        adaptive.hostConfig = config;
        adaptive.parse(content);
        box.appendChild(adaptive.render());
        host.appendChild(box);
        const right = box.getBoundingClientRect().right;
        for (const element of box.querySelectorAll<HTMLElement>('*')) {
          const text = [...element.childNodes]
            .filter((node) => node.nodeType === Node.TEXT_NODE)
            .map((node) => node.textContent ?? '')
            .join('')
            .trim();
          if (element.getBoundingClientRect().right > right + 1)
            problems.push(`${label}: "${element.innerText.slice(0, 30)}" runs past the card`);
          if (!text || element.closest('button')) continue;
          measured += 1;
          const style = getComputedStyle(element);
          const fg = rgba(style.color);
          const bg = backgroundOf(element);
          const over = { r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a) };
          const [light, dark] = [luminance(over), luminance(bg)].sort((x, y) => y - x);
          const ratio = (light + 0.05) / (dark + 0.05);
          const title = element.closest('[role=heading]') !== null || parseFloat(style.fontSize) >= 18;
          const needed = title ? 3 : 4.5;
          if (ratio < needed) problems.push(`${label}: "${text.slice(0, 30)}" ${ratio.toFixed(2)}:1 < ${needed}:1`);
        }
        for (const title of box.querySelectorAll<HTMLElement>('.ac-pushButton > div'))
          if (title.scrollWidth > title.clientWidth + 1) problems.push(`${label}: button "${title.innerText}" cut`);
      }
      return { problems: [...new Set(problems)], measured };
    },
    { hostConfig: { ...host.json, actions: { ...(host.json.actions as object), ...PHONE_ACTIONS } }, cards, width: CARD_WIDTH },
  );
}

/** A blank page with the renderer loaded (no page styles: the host config alone decides fonts, sizes and colours). */
async function blankSheet(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.setContent(
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0"><div id="cards"></div></body></html>',
  );
  // tsx compiles the measuring function with esbuild's keepNames, which calls a `__name` helper the page lacks.
  await page.evaluate('window.__name = (fn) => fn');
  await page.addScriptTag({ content: readFileSync(path.join(ROOT, 'node_modules/adaptivecards/dist/adaptivecards.js'), 'utf8') });
  return page;
}

describe('cards drawn at 320 px in every language in Teams light, dark and high contrast', () => {
  let context: BrowserContext | undefined;
  before(async () => {
    context = await launchChromium({ viewport: { width: PHONE_WIDTH, height: 640 } });
  });
  after(async () => {
    await closeChromium(context);
  });

  for (const host of TEAMS_HOST_CONFIGS) {
    it(`keeps titles at 3:1, other text at 4.5:1, and cuts no label nor lets text run past the card in ${host.name}`, async () => {
      const cards = LANGUAGES.flatMap((language) =>
        inLanguageOf(language, () => everyCard().map(({ name, content }) => ({ label: `${name} (${language})`, content }))),
      );
      const page = await blankSheet(context!);
      const { problems, measured } = await renderAndMeasure(page, host, cards);
      await page.close();
      assert.ok(measured > cards.length * 3, `measured ${measured} texts in ${cards.length} cards`);
      assert.deepEqual(problems, []);
    });
  }

  it('finds the low contrast the issue measured (a green title on Teams light), so the check above can fail', async () => {
    const page = await blankSheet(context!);
    const green = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'Account closed', color: 'Good', style: 'heading' }],
    };
    const { problems } = await renderAndMeasure(page, TEAMS_HOST_CONFIGS[0], [{ label: 'green', content: green }]);
    await page.close();
    assert.match(problems.join('\n'), /green: "Account closed" 2\.\d\d:1 < 3:1/);
  });
});
