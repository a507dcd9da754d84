import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { inLanguageOf, LANGUAGES } from '../../locales/i18n';
import { renderCard } from '../../cards/renderCard';
import { Messages } from '../../conversation/messages';
import { everyCard } from '../cards/cardData';
import { TEAMS_HOST_CONFIGS, type TeamsHostConfig } from '../cards/teamsHostConfigs';
import { closeChromium, launchChromium } from '../support/chromium';

const ROOT = path.resolve(__dirname, '../..');
const PHONE_WIDTH = 320;
/** Teams on a 320 px phone leaves the card the screen less its gutters (about 16 px a side). */
const CARD_WIDTH = PHONE_WIDTH - 2 * 16;
/** What the page found wrong in one render: a contrast below the bar, a cut label, text past the card, two buttons named alike. */
interface RenderProblems {
  readonly problems: string[];
  /** How many text elements were measured, so a render that shows nothing cannot pass. */
  readonly measured: number;
}

/**
 * Renders each card with the adaptivecards renderer (the one Web Chat and the designer use) under one Teams host
 * config as Microsoft ships it (actions `Horizontal`, the buttons of one set in a row; our cards give each button a
 * body ActionSet of its own, so it has a line to itself in this layout and in Web Chat's vertical one) in a
 * card-wide box, and measures what Chromium drew: each text's computed colour over the background it sits on
 * (WCAG 2.2 contrast: 3:1 for titles, i.e. headings and text of 18 px and more, 4.5:1 for the rest), each button
 * label's and each text's width against the card.
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
        // A screen reader lists a card's buttons by their accessible name (the renderer's aria-label: the title, not
        // the tooltip): two alike cannot be told apart out of their row (issue 20).
        const names = [...box.querySelectorAll<HTMLElement>('.ac-pushButton')].map(
          (button) => button.getAttribute('aria-label') ?? button.innerText,
        );
        for (const [index, name] of names.entries())
          if (names.indexOf(name) !== index) problems.push(`${label}: two buttons named "${name}"`);
      }
      return { problems: [...new Set(problems)], measured };
    },
    { hostConfig: host.json, cards, width: CARD_WIDTH },
  );
}

/** An export whose file names shorten to the widest button labels: wide letters past the short name's width, numbered. */
const WIDEST_DOWNLOADS = () => ({
  files: Messages.exportDownloads(
    [
      'WWWWWWWWWWWWWWWWWWWW-1.json',
      'WWWWWWWWWWWWWWWWWWWW-2.json',
      'MMMMMMMMMMMMMMMMMMMM.json',
      'mmmmmmmmmmmmmmmmmmmm.json',
      '書類書類書類書類書類書類書類書類.json',
    ].map((name) => ({
      name,
      sizeBytes: 1_234_567,
      downloadUrl: `https://exports.example.net/d/${name}?sig=1`,
    })),
  ),
  expiresAt: '4 December 2025, 14:30 UTC',
});

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
    it(`keeps titles at 3:1, other text at 4.5:1, cuts no label, lets no text run past the card and names no two buttons alike in ${host.name}`, async () => {
      const cards = LANGUAGES.flatMap((language) =>
        inLanguageOf(language, () => [
          ...everyCard().map(({ name, content }) => ({ label: `${name} (${language})`, content })),
          // The widest labels a download button can get: names shortened to their longest, in wide letters.
          { label: `exportReady, widest names (${language})`, content: renderCard('exportReady', WIDEST_DOWNLOADS()).content },
        ]),
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

  it('finds two buttons in one row running past the card (the layout the cards had), so the check above can fail', async () => {
    const page = await blankSheet(context!);
    const row = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: 'Konto schließen?', wrap: true }],
      actions: [
        { type: 'Action.Submit', title: 'Ja, mein Konto schließen', style: 'destructive', data: {} },
        { type: 'Action.Submit', title: 'Nein, behalten', data: {} },
      ],
    };
    const { problems } = await renderAndMeasure(page, TEAMS_HOST_CONFIGS[0], [{ label: 'row', content: row }]);
    await page.close();
    assert.match(problems.join('\n'), /row: "Nein, behalten" runs past the card/);
  });

  it('finds two Download buttons that a screen reader names alike (the tooltip is no name), so the check above can fail', async () => {
    const page = await blankSheet(context!);
    const download = (name: string) => ({
      type: 'ActionSet',
      actions: [{ type: 'Action.OpenUrl', title: 'Download', tooltip: `Download ${name}`, url: `https://exports.example.net/${name}` }],
    });
    const alike = { type: 'AdaptiveCard', version: '1.5', body: [download('profile.json'), download('organization.json')] };
    const { problems } = await renderAndMeasure(page, TEAMS_HOST_CONFIGS[0], [{ label: 'alike', content: alike }]);
    await page.close();
    assert.match(problems.join('\n'), /alike: two buttons named "Download"/);
  });
});
