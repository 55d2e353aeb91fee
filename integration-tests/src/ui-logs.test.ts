import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHistoryTestDatabase, POSTGRES_URL } from "../../history-backends/postgres/src/test-database.test-support.js";
import { hasChromium, launchBrowser, newPage, screenshot } from "./support/browser.js";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const FLOW = `id: noisy
namespace: ui.logs
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "the {{ inputs.word }} reactor is warm"
inputs:
  - id: word
    type: STRING
`;

/** The Logs page searches every execution's lines in the postgres history store, in real Chromium. */
describe.skipIf(!hasChromium || !POSTGRES_URL)("web UI: log search across executions (Chromium, postgres history)", () => {
  let ferry: FerryProcess;
  let browser: Browser;
  let historyDb: { url: string; drop(): Promise<void> };
  const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1/${path}`, init);

  beforeAll(async () => {
    historyDb = await createHistoryTestDatabase();
    [ferry, browser] = await Promise.all([startFerryProcess({ env: { FERRY_HISTORY__TYPE: "postgres", FERRY_HISTORY__URL: historyDb.url } }), launchBrowser()]);
    expect((await api("flows", { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
    await historyDb?.drop();
  });

  it("finds the lines holding the words, across executions, and opens an execution from one", async () => {
    const ids: string[] = [];
    for (const word of ["plutonium", "thorium", "plutonium"]) {
      const form = new FormData();
      form.set("word", word);
      ids.push(((await (await api("executions/ui.logs/noisy?wait=true", { method: "POST", body: form })).json()) as { id: string }).id);
    }
    // exported within the exporter's poll
    await expect.poll(async () => ((await (await api("logs/search?q=reactor&namespace=ui.logs")).json()) as { total: number }).total, { timeout: 30_000 }).toBe(3);
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/logs`);
    await page.getByLabel("Search log lines").fill("plutonium reactor");
    await page.getByLabel("Namespace").fill("ui.logs");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("status").getByText("2 matching lines").waitFor();
    const messages = await page.locator("td.log-message").allTextContents();
    expect(messages).toEqual(["the plutonium reactor is warm", "the plutonium reactor is warm"]);
    await screenshot(page, "logs-search");
    await page.getByRole("link", { name: ids[0] }).click();
    await page.waitForURL((url) => url.pathname === `/ui/executions/${ids[0]}/logs`);
  }, 120_000);
});
