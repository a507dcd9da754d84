import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { renderCard } from '../../cards/renderCard';
import { inLanguageOf, LANGUAGES } from '../../locales/i18n';
import { CARD_NAMES, createCardData } from '../cards/cardData';
import { startHarness, type BotHarness } from '../support/botHarness';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';

const ROOT = path.resolve(__dirname, '../..');
const PHONE_WIDTH = 320;

/**
 * Every card in every language at a phone's width, drawn by the renderer Web Chat uses (adaptivecards, with Web Chat
 * 4.18's action layout: vertical, stretched, one line per title) inside the page's own styles, in a box as wide as
 * Web Chat gives a card on the real page at 320 px. A cut label ("Ja, mein Konto sch...") or text wider than the
 * card fails.
 */
describe('cards at 320 px in every language', () => {
  let harness: BotHarness;
  let context: BrowserContext | undefined;
  before(async () => {
    harness = await startHarness();
    context = await launchChromium({ viewport: { width: PHONE_WIDTH, height: 640 } });
  });
  after(async () => {
    await closeChromium(context);
    await harness?.stop();
  });

  it('cuts no button label and lets no text run past the card', async () => {
    const page = context!.pages()[0] ?? (await context!.newPage());
    await page.goto(`${harness.bot.url}/`);
    const card = page.locator('.ac-adaptiveCard').first();
    await card.waitFor({ timeout: STEP_TIMEOUT_MS });
    const cardWidth = await card.evaluate((element) => element.getBoundingClientRect().width);
    assert.ok(cardWidth > 150 && cardWidth < PHONE_WIDTH, `Web Chat's card is ${cardWidth}px wide at ${PHONE_WIDTH}px`);

    const cards = LANGUAGES.flatMap((language) =>
      inLanguageOf(language, () => {
        const data = createCardData();
        return CARD_NAMES.map((name) => ({ label: `${name} (${language})`, content: renderCard(name, data[name] as never).content }));
      }),
    );
    // A blank page of its own: the chat page's Content-Security-Policy would refuse the renderer's inline script.
    const sheet = await context!.newPage();
    await sheet.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>${readFileSync(path.join(ROOT, 'web/webchat.css'), 'utf8')}</style></head>
      <body><div id="webchat"><div id="cards"></div></div></body></html>`);
    await sheet.addScriptTag({ content: readFileSync(path.join(ROOT, 'node_modules/adaptivecards/dist/adaptivecards.js'), 'utf8') });
    const problems = await sheet.evaluate(
      ({ cards, width }) => {
        // The renderer's global (adaptivecards/dist/adaptivecards.js), typed as far as this page uses it.
        interface Renderer {
          hostConfig: unknown;
          parse(json: unknown): void;
          render(): HTMLElement;
        }
        const AC = (
          window as unknown as { AdaptiveCards: { HostConfig: new (json: unknown) => unknown; AdaptiveCard: new () => Renderer } }
        ).AdaptiveCards;
        const hostConfig = new AC.HostConfig({
          fontFamily: '"Segoe UI", system-ui, sans-serif',
          actions: { actionsOrientation: 'vertical', actionAlignment: 'stretch', buttonSpacing: 8, maxActions: 100 },
        });
        const found: string[] = [];
        const host = document.getElementById('cards')!;
        for (const { label, content } of cards) {
          const box = document.createElement('div');
          box.className = 'ac-adaptiveCard-box';
          box.style.width = `${width}px`;
          const adaptive = new AC.AdaptiveCard();
          adaptive.hostConfig = hostConfig;
          adaptive.parse(content);
          box.appendChild(adaptive.render());
          host.appendChild(box);
          for (const title of box.querySelectorAll<HTMLElement>('.ac-pushButton > div'))
            if (title.scrollWidth > title.clientWidth + 1) found.push(`${label}: button "${title.innerText}" cut`);
          for (const element of box.querySelectorAll<HTMLElement>('*'))
            if (element.getBoundingClientRect().right > box.getBoundingClientRect().right + 1)
              found.push(`${label}: "${element.innerText.slice(0, 30)}" runs past the card`);
        }
        return [...new Set(found)];
      },
      { cards, width: cardWidth },
    );
    assert.deepEqual(problems, []);
  });
});
