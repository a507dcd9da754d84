import { strict as assert } from 'node:assert';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startHarness, TEST_SEED, type BotHarness } from '../support/botHarness';
import { closeChromium, launchChromium, STEP_TIMEOUT_MS } from '../support/chromium';

const KIM = TEST_SEED.users[0];
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

interface BrowserProblems {
  readonly console: string[];
  readonly cspViolations: string[];
}

/** Records console errors, page errors and CSP violations of every page the context opens. */
async function watchProblems(context: BrowserContext): Promise<BrowserProblems> {
  const problems: BrowserProblems = { console: [], cspViolations: [] };
  await context.exposeBinding('reportCspViolation', (_source, report: string) => void problems.cspViolations.push(report));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      void (window as unknown as { reportCspViolation(report: string): Promise<void> }).reportCspViolation(
        `${event.effectiveDirective} blocked "${event.blockedURI}" in ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.console.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.console.push(`${page.url()}: ${error.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return problems;
}

describe('the web chat page in a real browser', () => {
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

  it("walks to the hand-off from the page over Web Chat's default WebSocket transport: sign-in in a popup without a code, skipped export, Continue", async () => {
    const problems = await watchProblems(context);
    const page = context.pages()[0] ?? (await context.newPage());
    const streams: string[] = [];
    const polls: string[] = [];
    page.on('websocket', (socket) => streams.push(socket.url()));
    page.on('request', (request) => {
      if (/\/activities\?watermark=/.test(request.url()) && request.method() === 'GET') polls.push(request.url());
    });
    await page.goto(`${harness.bot.url}/`);
    await assertPageFrame(page);

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

    const signIn = cardButton(page, 'Sign in');
    await signIn.waitFor({ timeout: STEP_TIMEOUT_MS });
    const [popup] = await Promise.all([context.waitForEvent('page'), signIn.click()]);
    await popup.getByLabel(/user ?name|email/i).fill(KIM.upn, { timeout: STEP_TIMEOUT_MS });
    await popup.getByLabel(/password/i).fill(KIM.password);
    await popup.getByRole('button', { name: /sign in/i }).click();
    // The popup is the chat's own browser (Web Chat's code_challenge and this browser's session agree): no code.
    await popup.locator('#signed-in').waitFor({ timeout: STEP_TIMEOUT_MS });
    assert.equal(await popup.locator('#magic-code').count(), 0, 'no code is asked for when none is needed');
    await popup.close();

    // Nobody types the code: the sandbox's Direct Line hands the bot a tokens/response event.
    await page
      .getByText(/signed in as/i)
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await cardButton(page, "Skip, don't export").click();
    await cardButton(page, "Continue to Microsoft's page").click({ timeout: STEP_TIMEOUT_MS });
    await cardButton(page, "I've closed it, check").waitFor({ timeout: STEP_TIMEOUT_MS });
    await page
      .getByText(/has not been closed yet/)
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webchat-final.png') });
    assert.deepEqual(problems.cspViolations, [], 'no Content-Security-Policy violations');
    assert.deepEqual(problems.console, [], 'no console errors');
    assert.ok(
      streams.some((url) => /^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/[^/]+\/stream\?/.test(url)),
      `the page streamed; sockets: ${JSON.stringify(streams)}`,
    );
    assert.deepEqual(polls, [], 'activities came over the stream, not by polling');
  });

  it('falls back to polling on the same conversation when no WebSocket can be opened', async () => {
    const problems = await watchProblems(context);
    const page = context.pages()[0] ?? (await context.newPage());
    // A network that lets no WebSocket through (a proxy refusing the upgrade): every stream is sent to a path the
    // sandbox refuses to upgrade, so it closes without ever opening.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      window.WebSocket = function (url: string) {
        return new Native(url.replace('/stream?', '/refused?'));
      } as unknown as typeof WebSocket;
    });
    const polls: string[] = [];
    const starts: string[] = [];
    page.on('request', (request) => {
      if (/\/activities\?watermark=/.test(request.url()) && request.method() === 'GET') polls.push(request.url());
      if (/\/v3\/directline\/conversations$/.test(request.url()) && request.method() === 'POST') starts.push(request.url());
    });
    const polling = page.waitForRequest((request) => /\/activities\?watermark=/.test(request.url()), { timeout: STEP_TIMEOUT_MS });
    await page.goto(`${harness.bot.url}/`);
    await polling;
    const input = page.getByRole('textbox', { name: /message/i });
    await input.waitFor({ timeout: STEP_TIMEOUT_MS });
    await input.fill('close my account');
    await input.press('Enter');
    await cardButton(page, 'Sign in').waitFor({ timeout: STEP_TIMEOUT_MS });
    assert.ok(polls.length > 0, 'the page polls');
    assert.equal(starts.length, 1, 'the same conversation goes on: no second one was started');
    assert.deepEqual(problems.cspViolations, [], 'no Content-Security-Policy violations');
  });

  it('shows the refusal in the page when the token route refuses, instead of an empty chat', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.route('**/api/webchat/token', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'WebChatNotConfigured', message: 'The web chat is not set up on this server.' } }),
      }),
    );
    await page.goto(`${harness.bot.url}/`);
    await page.getByRole('status').filter({ hasText: 'The web chat is not set up on this server.' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  });
});

/** A card's button as rendered (Web Chat also keeps a copy for screen readers, out of the tab order); the newest wins. */
function cardButton(page: Page, name: string) {
  return page.locator('button.ac-pushButton').filter({ hasText: name }).last();
}

/** The landmarks and names a screen reader announces before the chat loads. */
async function assertPageFrame(page: Page): Promise<void> {
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.title(), 'Close your work or school account');
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Close your work or school account');
  assert.equal(await page.getByRole('main').count(), 1);
  assert.equal(await page.getByRole('region', { name: /conversation with the account closure bot/i }).count(), 1);
}
