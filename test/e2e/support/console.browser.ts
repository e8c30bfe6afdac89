import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  return path;
}

/** Headless Chromium for the console's browser tests; `close` when done. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // Root in a container has no user namespace for the sandbox; /dev/shm there is small.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * A console page signed in with `apiKey` through its own form, in a browser context of its own (its
 * own session storage), so two keys never share a tab's state.
 */
export async function consoleAs(browser: Browser, ingestionUrl: string, apiKey: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${ingestionUrl}/console`, { waitUntil: 'load' });
  await page.waitForSelector('form.login input[name=key]');
  await page.fill('form.login input[name=key]', apiKey);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('[data-testid=who]', { timeout: 15_000 }).catch((error: Error) => {
    throw new Error(`the console did not sign in: ${error.message}; page errors: ${errors.join('; ')}`);
  });
  return page;
}

/** Goes to a page of the console (`#/batches`) without reloading it. */
export async function show(page: Page, hash: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
}

/** The JSON value of `expression` evaluated in the page: as text, since this program's types have no DOM and the page has. */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}
