import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { inLanguageOf, t } from '../../locales/i18n';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';
import { englishLeaks } from '../support/englishLeaks';

const KIM = TEST_SEED.users[0];

/** Web Chat's own strings (botframework-webchat-api lib/localization), to see that its locale followed the page's. */
function webChatString(locale: string, key: 'TEXT_INPUT_PLACEHOLDER' | 'ACTIVITY_STATUS_TIMESTAMP_JUST_NOW'): string {
  const file = path.resolve(__dirname, '../../node_modules/botframework-webchat-api/lib/localization', `${locale}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[key] ?? '';
}

/** The card button with this label, as rendered (Web Chat keeps a copy for screen readers too); the newest wins. */
function cardButton(page: Page, name: string) {
  return page.locator('button.ac-pushButton').filter({ hasText: name }).last();
}

/**
 * The longest literal piece of a bot sentence, to find it as Web Chat shows it: Markdown marks and placeholders cut,
 * and apostrophes and quotes too (Web Chat's Markdown may turn them typographic).
 */
function leadOf(sentence: string): string {
  return sentence
    .replace(/\*\*/g, '')
    .split(/\{\{[^}]*\}\}|\u0000|['"\u2019\u201c\u201d]/)
    .map((piece) => piece.trim())
    .reduce((longest, piece) => (piece.length > longest.length ? piece : longest), '');
}

// The reader's browser speaks the language: the sandbox's pages (sign-in, Microsoft's page) follow Accept-Language,
// as Microsoft's do; the chat page and Web Chat follow it too.
const WALKS = [
  { language: 'de', browserLocale: 'de-DE', webChatLocale: 'de-DE' },
  { language: 'ja', browserLocale: 'ja-JP', webChatLocale: 'ja-JP' },
  { language: 'en', browserLocale: 'en-US', webChatLocale: 'en-US' },
] as const;

describe("the whole hand-off in the reader's language in a real browser, errors included, from either loopback name", () => {
  let harness: BotHarness;
  let context: BrowserContext | undefined;

  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await closeChromium(context);
    context = undefined;
    await harness?.stop();
  });

  for (const walk of WALKS) {
    for (const hostName of ['localhost', '127.0.0.1']) {
      it(`speaks ${walk.language} on every page, in Web Chat, in every card and in the errors, opened at ${hostName}, code-free`, async () => {
        context = await launchChromium({ viewport: { width: 1000, height: 900 }, locale: walk.browserLocale });
        const say = (key: string, values?: Record<string, unknown>) => inLanguageOf(walk.language, () => t(key, values));
        const seen: string[] = [];
        /** Keeps what a page shows for the English check at the end, and checks the page's own language at once. */
        const look = async (page: Page, where: string) => {
          assert.equal(await page.getAttribute('html', 'lang'), walk.language, `the ${where} is marked ${walk.language}`);
          seen.push(`${where}: ${await page.locator('body').innerText()}`);
        };
        const page = context.pages()[0] ?? (await context.newPage());
        await page.goto(`${harness.bot.url.replace('127.0.0.1', hostName)}/`);
        assert.equal(await page.title(), say('webchat.page.title'));
        const input = page.getByPlaceholder(webChatString(walk.webChatLocale, 'TEXT_INPUT_PLACEHOLDER'));
        await input.waitFor({ timeout: STEP_TIMEOUT_MS });
        const send = async (text: string) => {
          await input.fill(text);
          await input.press('Enter');
          // Web Chat can drop an Enter pressed while its connection is still coming up: press again until sent.
          for (let attempt = 0; attempt < 10 && (await input.inputValue()) !== ''; attempt += 1) {
            await page.waitForTimeout(500);
            if ((await input.inputValue()) !== '') await input.press('Enter');
          }
        };
        const shows = (text: string) => page.getByText(leadOf(text)).first().waitFor({ timeout: STEP_TIMEOUT_MS });

        // The user-realm endpoint is down for the first sign-in: the error is said in the reader's language.
        harness.bot.sandbox!.faults.inject({ method: 'GET', path: /\/userrealm\//, times: 1000, respond: { status: 503, body: 'down' } });
        await send(say('cards.welcome.start'));
        await shows(say('cards.welcome.heading'));
        const [popup] = await Promise.all([
          context.waitForEvent('page'),
          cardButton(page, say('signInTitle')).click({ timeout: STEP_TIMEOUT_MS }),
        ]);
        await popup.locator('#username').fill(KIM.upn, { timeout: STEP_TIMEOUT_MS });
        await popup.locator('#password').fill(KIM.password);
        await look(popup, 'sign-in page');
        await popup.locator('button[type=submit]').click();
        await popup.locator('#signed-in').waitFor({ timeout: STEP_TIMEOUT_MS });
        assert.equal(await popup.locator('#magic-code').count(), 0, `no code from ${hostName}`);
        await look(popup, 'signed-in page');
        await popup.close();
        await shows(say('errors.REALM_UNAVAILABLE'));
        harness.bot.sandbox!.faults.clear();

        // Again, signed in already: eligibility, the export offer, the warning, the hand-off's steps.
        await send(say('cards.welcome.start'));
        await shows(say('eligible'));
        await cardButton(page, say('cards.exportOffer.skip')).click({ timeout: STEP_TIMEOUT_MS });
        await cardButton(page, say('portalMode.cards.warning.yes')).click({ timeout: STEP_TIMEOUT_MS });
        await shows(say('cards.handOff.heading'));
        await cardButton(page, say('cards.handOff.check')).click({ timeout: STEP_TIMEOUT_MS });
        await shows(say('handOffStillOpen_named', { upn: '\u0000' }));

        // Microsoft's page (the sandbox's stand-in), in the browser's language: export, close, Yes.
        const [portal] = await Promise.all([context.waitForEvent('page'), cardButton(page, say('cards.handOff.open')).click()]);
        await portal.locator('#username').fill(KIM.upn, { timeout: STEP_TIMEOUT_MS });
        await portal.locator('#password').fill(KIM.password);
        await look(portal, "Microsoft's page, signing in");
        await portal.locator('button[type=submit]').click();
        await portal.locator('form[action$="/export"] button').click({ timeout: STEP_TIMEOUT_MS });
        await portal.locator('#export-status').waitFor({ timeout: STEP_TIMEOUT_MS });
        await portal.locator('form[action$="/close"] button').click();
        await look(portal, "Microsoft's page, its warning");
        await portal.locator('button[name=answer][value=yes]').click({ timeout: STEP_TIMEOUT_MS });
        await portal.locator('#closed-notice').waitFor({ timeout: STEP_TIMEOUT_MS });
        await look(portal, "Microsoft's page, closed");
        await portal.close();

        // The directory's answer is unusable for one check: "I can't confirm it yet", in the reader's language.
        harness.bot.sandbox!.faults.inject({
          method: 'GET',
          path: /\/graph\/v1\.0\/me$/,
          respond: { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed.' } } },
        });
        await cardButton(page, say('cards.handOff.check')).click();
        await shows(say('handOffCannotConfirm', { why: '\u0000' }));
        await cardButton(page, say('cards.handOff.check')).click();
        await shows(say('handOffVerified_named', { upn: '\u0000' }));
        // Web Chat's own timestamp, in its locale ("Jetzt", "たった今"), under the bot's last reply.
        await shows(webChatString(walk.webChatLocale, 'ACTIVITY_STATUS_TIMESTAMP_JUST_NOW'));
        await look(page, 'chat page');

        if (walk.language !== 'en') {
          const leaks = seen.flatMap((text) =>
            englishLeaks(text, walk.language, walk.webChatLocale).map((leak) => `${text.split(':')[0]}: "${leak}"`),
          );
          assert.deepEqual(leaks, [], `English on the ${walk.language} pages`);
        } else {
          // The check above can fail: the English walk's pages are full of the catalogue's English.
          assert.ok(englishLeaks(seen.join('\n'), 'de', 'de-DE').length > 10);
        }
      });
    }
  }
});
