import { strict as assert } from 'node:assert';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';

const KIM = TEST_SEED.users[0];
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

describe('the portal hand-off in the web chat page, in a real browser (the default, CLOSURE=portal)', () => {
  let harness: BotHarness;
  let context: BrowserContext;

  beforeEach(async () => {
    harness = await startHarness();
    context = await launchChromium({
      viewport: { width: 1100, height: 900 },
    });
  });

  afterEach(async () => {
    await closeChromium(context);
    await harness?.stop();
  });

  it('walks warning, Yes, the steps, the sandbox "My data requests" page (export, close, Yes), then the bot\'s verified "your account is closed"', async () => {
    const errors: string[] = [];
    context.on('page', (p) => p.on('pageerror', (error) => errors.push(`${p.url()}: ${error.message}`)));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    await page.goto(`${harness.bot.url}/`);

    const input = page.getByRole('textbox', { name: /message/i });
    await input.waitFor({ timeout: STEP_TIMEOUT_MS });
    await input.fill('close my account');
    await input.press('Enter');
    // Web Chat can drop an Enter pressed while its connection is still coming up (the text stays in the box):
    // press it again until the box has been sent and cleared, as test/browser/conversation.test.ts does.
    for (let attempt = 0; attempt < 10 && (await input.inputValue()) !== ''; attempt += 1) {
      await page.waitForTimeout(500);
      if ((await input.inputValue()) !== '') await input.press('Enter');
    }

    const [signIn] = await Promise.all([context.waitForEvent('page'), cardButton(page, 'Sign in').click({ timeout: STEP_TIMEOUT_MS })]);
    await signIn.getByLabel(/user ?name|email/i).fill(KIM.upn, { timeout: STEP_TIMEOUT_MS });
    await signIn.getByLabel(/password/i).fill(KIM.password);
    await signIn.getByRole('button', { name: /sign in/i }).click();
    // The popup is the chat's own browser: the sign-in goes on by itself, no code (enhanced authentication).
    await signIn.locator('#signed-in').waitFor({ timeout: STEP_TIMEOUT_MS });
    await signIn.close();

    await page
      .getByText(/signed in as/i)
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await cardButton(page, "Skip, don't export").click();
    // The irreversible warning comes first; its Continue closes nothing (Microsoft's page has its own Yes).
    await cardButton(page, "Continue to Microsoft's page").click({ timeout: STEP_TIMEOUT_MS });
    await page
      .getByText(/has not been closed yet/)
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });

    await cardButton(page, "I've closed it, check").click({ timeout: STEP_TIMEOUT_MS });
    await page
      .getByText(/is still open: it still signs in/)
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });

    const [portal] = await Promise.all([context.waitForEvent('page'), cardButton(page, 'Open My data requests').click()]);
    await portal.getByLabel(/email or username/i).fill(KIM.upn, { timeout: STEP_TIMEOUT_MS });
    await portal.getByLabel(/password/i).fill(KIM.password);
    await portal.getByRole('button', { name: 'Sign in' }).click();
    await portal.getByRole('button', { name: 'New export request' }).click({ timeout: STEP_TIMEOUT_MS });
    await portal.getByText(/system-generated logs[\s\S]*can take up to a month/).waitFor({ timeout: STEP_TIMEOUT_MS });
    await portal.getByRole('button', { name: 'Close account' }).click();
    await portal.getByText(/irreversible/).waitFor({ timeout: STEP_TIMEOUT_MS });
    await portal.getByRole('button', { name: 'Yes' }).click();
    await portal.locator('#closed-notice').waitFor({ timeout: STEP_TIMEOUT_MS });
    await portal.close();

    await cardButton(page, "I've closed it, check").click();
    await page
      .getByText(new RegExp(`Your account \u2068?${KIM.upn.replace('.', '\\.')}\u2069? is closed`))
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webchat-portal-handoff.png') });
    const audit = (await readFile(path.join(harness.dataDir, 'audit', 'audit.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type);
    assert.deepEqual(
      audit.filter((t) => ['handedOff', 'stillOpen', 'closureVerified'].includes(t)),
      ['handedOff', 'stillOpen', 'closureVerified'],
    );
    assert.deepEqual(errors, [], 'no page errors');
  });
});

/** A card's button as rendered (Web Chat also keeps a copy for screen readers, out of the tab order); the newest wins. */
function cardButton(page: Page, name: string) {
  return page.locator('button.ac-pushButton').filter({ hasText: name }).last();
}
