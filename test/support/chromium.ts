/**
 * One way to start the browser for test/browser: Debian's Chromium (CI installs it in .ci/run; nothing may download
 * a browser), with the flags this closed network needs (DESIGN.md), in a fresh profile that is removed on close.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

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
/** Polling every second, a bot turn shows up within a few seconds; generous for slow machines. */
export const STEP_TIMEOUT_MS = 20_000;

type LaunchOptions = Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, 'executablePath' | 'headless' | 'args'>;

const profiles = new WeakMap<BrowserContext, string>();

/** A headless Chromium context in a profile of its own (Playwright refuses `--user-data-dir` in `args`). */
export async function launchChromium(options: LaunchOptions = {}): Promise<BrowserContext> {
  const profile = await mkdtemp(path.join(tmpdir(), 'chromium-test-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  profiles.set(context, profile);
  return context;
}

/** Closes the context and removes its profile; nothing to do for a context that never started. */
export async function closeChromium(context: BrowserContext | undefined): Promise<void> {
  if (!context) return;
  await context.close();
  const profile = profiles.get(context);
  if (profile) await rm(profile, { recursive: true, force: true });
}
