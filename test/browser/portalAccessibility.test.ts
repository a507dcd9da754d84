import { strict as assert } from 'node:assert';
import type { BrowserContext } from 'playwright-core';
import { DEMO, startTestSandbox, type TestSandbox } from '@account-closure-bot/sandbox/testing';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';
import { accessibilityViolations, describeViolations } from '../support/axe';

describe('accessibility of the sandbox "My data requests" page (axe-core, WCAG 2.1 A and AA)', () => {
  let t: TestSandbox;
  let context: BrowserContext;

  beforeEach(async () => {
    t = await startTestSandbox();
    // axe is injected as a script, which the page's CSP forbids: this context bypasses CSP.
    context = await launchChromium({
      bypassCSP: true,
    });
  });

  afterEach(async () => {
    await closeChromium(context);
    await t?.stop();
  });

  it('finds no violation on the sign-in, its error state, the requests list and the confirmation', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(t.sandbox.portalUrl);
    const screens: Array<[string, () => Promise<void>]> = [
      ['sign-in', async () => undefined],
      [
        'sign-in error',
        async () => {
          await page.getByLabel(/email or username/i).fill(DEMO.ada.upn);
          await page.getByLabel(/password/i).fill('wrong');
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('alert').waitFor({ timeout: STEP_TIMEOUT_MS });
        },
      ],
      [
        'requests',
        async () => {
          await page.getByLabel(/password/i).fill(DEMO.password);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('button', { name: 'New export request' }).click({ timeout: STEP_TIMEOUT_MS });
          await page.getByRole('status').waitFor({ timeout: STEP_TIMEOUT_MS });
        },
      ],
      [
        'confirmation',
        async () => {
          await page.getByRole('button', { name: 'Close account' }).click();
          await page.getByRole('button', { name: 'Yes' }).waitFor({ timeout: STEP_TIMEOUT_MS });
        },
      ],
    ];
    for (const [name, reach] of screens) {
      await reach();
      const violations = await accessibilityViolations(page);
      assert.deepEqual(
        violations.map((v) => v.id),
        [],
        `${name}: ${describeViolations(violations)}`,
      );
    }
  });
});
