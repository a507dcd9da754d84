import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { DEMO, startTestSandbox, type TestSandbox } from '../sandbox/helpers';
import { accessibilityViolations, describeViolations } from '../support/axe';

/** Debian's package; nothing may download a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const STEP_TIMEOUT_MS = 20_000;

describe('accessibility of the sandbox "My data requests" page (axe-core, WCAG 2.1 A and AA)', () => {
  let t: TestSandbox;
  let profile: string;
  let context: BrowserContext;

  beforeEach(async () => {
    t = await startTestSandbox();
    profile = await mkdtemp(path.join(tmpdir(), 'portal-axe-'));
    // axe is injected as a script, which the page's CSP forbids: this context bypasses CSP.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      bypassCSP: true,
    });
  });

  afterEach(async () => {
    await context?.close();
    await t?.stop();
    await rm(profile, { recursive: true, force: true });
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
