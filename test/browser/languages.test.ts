import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { sandboxPageString } from '@account-closure-bot/sandbox/testing';
import { inLanguageOf, t } from '../../locales/i18n';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';

const KIM = TEST_SEED.users[0];
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

/** Web Chat's own strings (botframework-webchat-api lib/localization), to see that its locale followed the page's. */
function webChatString(locale: string, key: 'TEXT_INPUT_PLACEHOLDER' | 'ACTIVITY_STATUS_TIMESTAMP_JUST_NOW'): string {
  // The package's exports hide lib/: read the file the bundle was built from.
  const file = path.resolve(__dirname, '../../node_modules/botframework-webchat-api/lib/localization', `${locale}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[key] ?? '';
}

/** English the reader must never see in another language's walk: the page's, Web Chat's and the bot's. */
function englishOf(): string[] {
  return [
    ...inLanguageOf('en', () => [
      t('webchat.page.title'),
      t('webchat.page.privacy'),
      t('eligible'),
      t('warningPrompt'),
      t('cards.exportOffer.heading'),
      t('cards.warning.heading'),
      t('cards.welcome.who'),
    ]),
    sandboxPageString('en', 'signIn.heading'),
    webChatString('en-US', 'TEXT_INPUT_PLACEHOLDER'),
    webChatString('en-US', 'ACTIVITY_STATUS_TIMESTAMP_JUST_NOW'),
  ];
}

/** The card button with this label, as rendered (Web Chat keeps a copy for screen readers too); the newest wins. */
function cardButton(page: Page, name: string) {
  return page.locator('button.ac-pushButton').filter({ hasText: name }).last();
}

const WALKS = [
  { language: 'de', webChatLocale: 'de-DE', how: '?locale=de on an English browser', query: '?locale=de', browserLocale: 'en-US' },
  { language: 'ja', webChatLocale: 'ja-JP', how: 'a Japanese browser', query: '', browserLocale: 'ja-JP' },
] as const;

describe("the whole closure in the reader's language in a real browser, from localhost", () => {
  let harness: BotHarness;
  let context: BrowserContext | undefined;

  beforeEach(async () => {
    // The bot's own closure, to walk every step's words; the hand-off's words are held in every language by test/locales.
    harness = await startHarness({ CLOSURE: 'graph' });
  });
  afterEach(async () => {
    await closeChromium(context);
    await harness?.stop();
  });

  for (const walk of WALKS) {
    it(`speaks ${walk.language} on the page, in Web Chat and in every reply, chosen by ${walk.how}, code-free`, async () => {
      context = await launchChromium({ viewport: { width: 1000, height: 900 }, locale: walk.browserLocale });
      const say = (key: string, values?: Record<string, unknown>) => inLanguageOf(walk.language, () => t(key, values));
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${harness.bot.url.replace('127.0.0.1', 'localhost')}/${walk.query}`);

      assert.equal(await page.getAttribute('html', 'lang'), walk.language);
      assert.equal(await page.title(), say('webchat.page.title'));
      assert.equal(await page.getByRole('link', { name: say('webchat.page.privacy') }).count(), 1);
      const input = page.getByPlaceholder(webChatString(walk.webChatLocale, 'TEXT_INPUT_PLACEHOLDER'));
      await input.waitFor({ timeout: STEP_TIMEOUT_MS });
      // The start phrase the welcome card teaches in this language.
      await input.fill(say('cards.welcome.start'));
      await input.press('Enter');
      // Web Chat can drop an Enter pressed while its connection is still coming up: press again until sent.
      for (let attempt = 0; attempt < 10 && (await input.inputValue()) !== ''; attempt += 1) {
        await page.waitForTimeout(500);
        if ((await input.inputValue()) !== '') await input.press('Enter');
      }

      // The welcome card, sent on the conversation's start, in the page's language too.
      await page.getByText(say('cards.welcome.heading')).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      const [popup] = await Promise.all([
        context.waitForEvent('page'),
        cardButton(page, say('signInTitle')).click({ timeout: STEP_TIMEOUT_MS }),
      ]);
      await popup.getByLabel(sandboxPageString(walk.language, 'signIn.username')).fill(KIM.upn, { timeout: STEP_TIMEOUT_MS });
      await popup.getByLabel(sandboxPageString(walk.language, 'signIn.password')).fill(KIM.password);
      await popup.getByRole('button', { name: sandboxPageString(walk.language, 'signIn.submit') }).click();
      await popup.locator('#signed-in').waitFor({ timeout: STEP_TIMEOUT_MS });
      assert.equal(await popup.getAttribute('html', 'lang'), walk.language);
      assert.equal(await popup.locator('#magic-code').count(), 0, 'no code from localhost either');
      await popup.close();

      await page.getByText(say('eligible')).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      await cardButton(page, say('cards.exportOffer.skip')).click({ timeout: STEP_TIMEOUT_MS });
      await cardButton(page, say('cards.warning.yes')).click({ timeout: STEP_TIMEOUT_MS });
      await page.getByText(say('cards.outcome.requestId').trim()).first().waitFor({ timeout: STEP_TIMEOUT_MS });
      // Web Chat's own timestamp, in its locale ("Jetzt", "たった今"), under the bot's last reply.
      await page
        .getByText(webChatString(walk.webChatLocale, 'ACTIVITY_STATUS_TIMESTAMP_JUST_NOW'))
        .first()
        .waitFor({ timeout: STEP_TIMEOUT_MS });

      const shown = await page.locator('body').innerText();
      const closedLead =
        say('closed', { upn: '\u0000', requestId: '', closedAt: '' }).split('\u0000')[1]?.split(/[.。]/)[0]?.replace(/\*/g, '') ?? '';
      assert.ok(closedLead.length > 3 && shown.includes(closedLead), `the closed message ("${closedLead}") in ${walk.language}`);
      for (const english of englishOf()) assert.ok(!shown.includes(english), `English on the ${walk.language} page: "${english}"`);
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, `webchat-${walk.language}.png`) });
    });
  }
});
