import { writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, screenshot } from "./support/browser.js";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

/**
 * The web UI with server.auth, in real Chromium: without credentials it shows a login form and
 * no data (every API call it made was refused); a wrong password is refused; a right one, or a
 * token, shows the flows.
 */
describe.skipIf(!hasChromium)("web UI behind server.auth (Chromium)", () => {
  let ferry: FerryProcess;
  let browser: Browser;
  const TOKEN = "ui-test-token-0123456789";
  beforeAll(async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-ui-auth-"));
    await writeFile(join(cwd, "ferry.yaml"), `server:\n  auth:\n    basic: [{ username: ada, password: "lovelace-1815" }]\n    tokens: ["${TOKEN}"]\n`);
    [ferry, browser] = await Promise.all([startFerryProcess({ cwd }), launchBrowser()]);
    const deployed = await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: "id: secret_plan\nnamespace: ui.auth\ntasks:\n  - { id: log, type: core.Log, message: hi }\n  - { id: nap, type: core.Sleep, duration: PT10M }\n", headers: { "content-type": "application/x-yaml", authorization: `Bearer ${TOKEN}` } });
    expect(deployed.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
  });

  it("shows nothing but a login form without credentials, refuses a wrong password, and lets a user in", async () => {
    const { page } = await newPage(browser);
    const answers: number[] = [];
    page.on("response", (r) => r.url().includes("/api/v1/") && answers.push(r.status()));
    // the browser's own Basic prompt would block the page: it must never be asked for
    page.on("dialog", (d) => void d.dismiss());
    await page.goto(`${ferry.url}/ui/flows`);
    await page.getByRole("form", { name: "Sign in" }).waitFor();
    expect(await page.getByText("secret_plan").count()).toBe(0);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((s) => s === 401)).toBe(true);
    await screenshot(page, "login", { bothThemes: false });

    await page.getByLabel("User name").fill("ada");
    await page.getByLabel("Password").fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("Wrong user name, password or token.").waitFor();

    await page.getByLabel("Password").fill("lovelace-1815");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "secret_plan" }).waitFor();
    // signing out forgets the credentials: the next call asks again
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.reload();
    await page.getByRole("form", { name: "Sign in" }).waitFor();
  }, 120_000);

  it("lets a token in, and its live views (server-sent events) carry it", async () => {
    const { page } = await newPage(browser, "dark");
    await page.goto(`${ferry.url}/ui/`);
    await page.getByRole("tab", { name: "Token" }).click();
    await page.getByLabel("Token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    // while it runs, the page follows the execution and its logs over server-sent events
    const started = (await (await fetch(`${ferry.url}/api/v1/executions/ui.auth/secret_plan`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { id: string };
    const streams: Array<[string, number]> = [];
    page.on("response", (r) => r.url().endsWith("/follow") && streams.push([new URL(r.url()).pathname, r.status()]));
    await page.goto(`${ferry.url}/ui/executions/${started.id}/logs`);
    await page.getByTestId("logs").getByText("hi").waitFor();
    await expect.poll(() => streams.map(([path, status]) => `${status} ${path}`).sort()).toEqual([`200 /api/v1/executions/${started.id}/follow`, `200 /api/v1/logs/${started.id}/follow`]);
    // killed elsewhere: the page hears it over its stream
    await fetch(`${ferry.url}/api/v1/executions/${started.id}/kill`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } });
    await page.getByTestId("execution-state").getByText("KILLED").waitFor();
  }, 120_000);
});
