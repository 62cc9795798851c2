import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { projectRoot } from '../../common/paths';
import { testTmpDir } from './temporal';

/**
 * Debian's chromium, installed by the project's own script when missing (as root; no browser download), driven by
 * playwright-core. The flags keep it off the network: without them Chromium's background connections are refused here.
 */
export async function launchChromium(): Promise<BrowserContext> {
  const install = spawnSync('bash', [path.join(projectRoot, 'scripts', 'install-chromium.sh')], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`chromium is not available: ${install.stderr.trim()}`);
  const executablePath = install.stdout.trim().split('\n').pop()!;
  const profile = path.join(testTmpDir(), 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1200, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A full-page screenshot under GEMINIFLOW_SCREENSHOTS_DIR (docs/images, to refresh the docs) or a scratch folder. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(process.env.GEMINIFLOW_SCREENSHOTS_DIR ?? testTmpDir(), name);
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(fs.statSync(file).size > 10_000, `${name} is an empty screenshot`);
}

/** A new page of `browser`, signed in to the console at `url` with a reviewer's token. */
export async function signedInPage(browser: BrowserContext, url: string, token: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/login`);
  await page.fill('#token', token);
  await page.click('form[action="/login"] button[type=submit]');
  await page.waitForURL(/\/approvals$/);
  return page;
}

/**
 * For the tests of one `describe`: a Chromium (started before them, closed after) with a page signed in to the console
 * at `consoleUrl()`, and the folder screenshots go to (GEMINIFLOW_SCREENSHOTS_DIR=docs/images keeps them).
 */
export function consoleInChromium(consoleUrl: () => string, token: string) {
  let browser: BrowserContext | undefined;
  let page: Page | undefined;
  const shots = process.env.GEMINIFLOW_SCREENSHOTS_DIR ?? testTmpDir();
  before(async () => {
    browser = await launchChromium();
    page = await signedInPage(browser, consoleUrl(), token);
    fs.mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });
  return { page: () => page!, screenshot: (name: string) => path.join(shots, name) };
}
