import { strict as assert } from 'node:assert';
import type { BrowserContext } from 'playwright-core';
import { accessibilityViolations, describeViolations } from '../support/axe';
import { signInLinkOf, startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';

describe('accessibility of the pages people see (axe-core, WCAG 2.1 A and AA)', () => {
  let harness: BotHarness;
  let context: BrowserContext;

  before(async () => {
    harness = await startHarness();
    context = await launchChromium({
      bypassCSP: true,
      viewport: { width: 1100, height: 900 },
    });
  });

  after(async () => {
    await closeChromium(context);
    await harness?.stop();
  });

  it('finds no violation on the web chat page, with the welcome card and then with the warning card', async () => {
    const kim = TEST_SEED.users[0];
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${harness.bot.url}/`);
    await page
      .getByRole('button', { name: /close my account/i })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    let violations = await accessibilityViolations(page);
    assert.deepEqual(violations, [], `welcome: ${describeViolations(violations)}`);

    await page
      .getByRole('button', { name: /close my account/i })
      .first()
      .click();
    const signIn = page.locator('button.ac-pushButton, button').filter({ hasText: 'Sign in' }).last();
    await signIn.waitFor({ timeout: STEP_TIMEOUT_MS });
    const [popup] = await Promise.all([context.waitForEvent('page'), signIn.click()]);
    await popup.getByLabel(/user ?name|email/i).fill(kim.upn, { timeout: STEP_TIMEOUT_MS });
    await popup.getByLabel(/password/i).fill(kim.password);
    await popup.getByRole('button', { name: /sign in/i }).click();
    await popup.locator('#signed-in').waitFor({ timeout: STEP_TIMEOUT_MS });
    await popup.close();
    await page.locator('button.ac-pushButton').filter({ hasText: "Skip, don't export" }).last().click({ timeout: STEP_TIMEOUT_MS });
    await page
      .locator('button.ac-pushButton')
      .filter({ hasText: "Continue to Microsoft's page" })
      .last()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    violations = await accessibilityViolations(page);
    assert.deepEqual(violations, [], `warning: ${describeViolations(violations)}`);
  });

  it('finds no violation on the sandbox sign-in page, nor on its error state', async () => {
    const page = await context.newPage();
    await page.goto(signInLinkOf(await harness.user().says('close my account')));
    assert.deepEqual(await accessibilityViolations(page), []);
    await page.getByLabel(/user ?name|email/i).fill('nobody@tailspin.example');
    await page.getByLabel(/password/i).fill('wrong');
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('alert').waitFor({ timeout: STEP_TIMEOUT_MS });
    const violations = await accessibilityViolations(page);
    assert.deepEqual(violations, [], describeViolations(violations));
  });
});
