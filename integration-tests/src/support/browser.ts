import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { REPO_ROOT } from "./ferry-process.js";

/**
 * Debian's Chromium, driven by playwright-core (TOOLCHAIN.md: Playwright's own browser download
 * cannot be reached here; `.ci/run` installs this one when it is missing).
 */
export const CHROMIUM = process.env.FERRY_CHROMIUM ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
/** where the browser tests leave their screenshots (gitignored); the README's come from here */
export const SCREENSHOTS = join(REPO_ROOT, "integration-tests/.screenshots");

export async function launchBrowser(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

export async function newPage(browser: Browser, theme: "light" | "dark" = "light"): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: theme, acceptDownloads: true, permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return { context, page };
}

/** a screenshot named after what it shows, in both themes when asked (the page is switched and back) */
export async function screenshot(page: Page, name: string, options: { bothThemes?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  if (!options.bothThemes) return;
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  const other = theme === "dark" ? "light" : "dark";
  await page.getByRole("button", { name: `Switch to the ${other} theme` }).click();
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-${other}.png`) });
  await page.getByRole("button", { name: `Switch to the ${theme} theme` }).click();
}

/**
 * Puts text into the Monaco editor on the page, replacing what it holds, as a user pasting it
 * (typed text would be auto-indented line by line).
 */
export async function typeInEditor(page: Page, text: string): Promise<void> {
  const editor = page.getByTestId("yaml-editor").locator(".monaco-editor").first();
  await editor.waitFor();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press("ControlOrMeta+V");
}
