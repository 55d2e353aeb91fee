import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, screenshot } from "./support/browser.js";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

/** Operating Ferry from the web UI in real Chromium: kill a running execution, kill in bulk, set a KV pair. */
describe.skipIf(!hasChromium)("web UI: kill, bulk actions, KV (Chromium)", () => {
  let ferry: FerryProcess;
  let browser: Browser;
  const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1/${path}`, init);
  const deploy = (source: string) => api("flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } });
  const start = async (flow: string) => ((await (await api(`executions/ui.ops/${flow}`, { method: "POST" })).json()) as { id: string }).id;
  const stateOf = async (id: string) => ((await (await api(`executions/${id}`)).json()) as { state: { current: string } }).state.current;

  beforeAll(async () => {
    [ferry, browser] = await Promise.all([startFerryProcess(), launchBrowser()]);
    expect((await deploy("id: nap\nnamespace: ui.ops\ntasks:\n  - id: sleep\n    type: core.Sleep\n    duration: PT10M\n")).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
  });

  it("kills a running execution from its page, and the page follows it to KILLED", async () => {
    const id = await start("nap");
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/executions/${id}`);
    await page.getByTestId("execution-state").getByText("RUNNING").waitFor();
    await page.getByRole("button", { name: "Kill", exact: true }).click();
    await page.getByTestId("execution-state").getByText("KILLED").waitFor();
    expect(await stateOf(id)).toBe("KILLED");
    await page.getByRole("button", { name: "Restart" }).waitFor();
    await screenshot(page, "execution-killed");
    // replay: a new execution of the flow, which the page opens and follows
    await page.getByRole("button", { name: "Replay" }).click();
    await page.waitForURL((url) => /\/ui\/executions\/[0-9a-f-]+$/.test(url.pathname) && !url.pathname.endsWith(id));
    await page.getByTestId("execution-state").getByText("RUNNING").waitFor();
    const replayed = page.url().split("/").pop()!;
    expect(await stateOf(replayed)).toBe("RUNNING");
    await api(`executions/${replayed}/kill`, { method: "DELETE" });
  }, 120_000);

  it("restarts a PAUSED execution from its page (Kestra's State.isRestartable), and the page follows it to SUCCESS", async () => {
    expect((await deploy("id: held\nnamespace: ui.ops\ntasks:\n  - { id: wait, type: core.Pause }\n  - { id: after, type: core.Log, message: after }\n")).status).toBe(200);
    const id = await start("held");
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/executions/${id}`);
    await page.getByTestId("execution-state").getByText("PAUSED").waitFor();
    await page.getByRole("button", { name: "Restart" }).click();
    await page.getByTestId("execution-state").getByText("SUCCESS").waitFor();
    expect(await stateOf(id)).toBe("SUCCESS");
  }, 60_000);

  it("kills the executions selected in the list at once", async () => {
    const ids = [await start("nap"), await start("nap")];
    const { page } = await newPage(browser, "dark");
    await page.goto(`${ferry.url}/ui/executions?namespace=ui.ops&state=RUNNING`);
    for (const id of ids) await page.getByLabel(`Select ${id}`).check();
    await screenshot(page, "executions-list", { bothThemes: true });
    await page.getByRole("button", { name: "Kill selected" }).click();
    await page.getByRole("status").getByText("Killing 2 executions").waitFor();
    await expect.poll(async () => Promise.all(ids.map(stateOf)), { timeout: 30_000 }).toEqual(["KILLED", "KILLED"]);
  }, 120_000);

  it("lists a Loop's iterations under its task run, each a link to its sub-execution (kind LOOP)", async () => {
    expect((await deploy("id: looped\nnamespace: ui.ops\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: [red, blue]\n    tasks:\n      - { id: say, type: core.Log, message: \"{{ item.value }}\" }\n")).status).toBe(200);
    const id = await start("looped");
    await expect.poll(() => stateOf(id), { timeout: 30_000 }).toBe("SUCCESS");
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/executions/${id}`);
    await page.getByRole("link", { name: "iteration 1" }).waitFor();
    await screenshot(page, "execution-loop-iterations");
    await page.getByRole("link", { name: "iteration 1" }).click();
    await page.waitForURL((url) => /\/ui\/executions\/[0-9a-f-]+$/.test(url.pathname) && !url.pathname.endsWith(id));
    await page.getByTestId("execution-state").getByText("SUCCESS").waitFor();
    // the iteration's page: its own task run, and its parent a link back
    await page.getByRole("link", { name: id }).waitFor();
    await page.getByText("say", { exact: true }).waitFor();
  }, 120_000);

  it("sets a KV pair with a TTL in a namespace, and reads it back", async () => {
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/namespaces/ui.ops/kv`);
    await page.getByLabel("Key").fill("threshold");
    await page.getByLabel("Value").fill('{"max": 42}');
    await page.getByLabel("TTL").fill("PT1H");
    await page.getByRole("button", { name: "Set" }).click();
    const row = page.getByTestId("kv-table").getByRole("row", { name: /threshold/ });
    await row.getByText("JSON").waitFor();
    await row.getByRole("button", { name: "Value" }).click();
    await page.getByTestId("kv-value").getByText('"max": 42').waitFor();
    // the UI wrote it through the API: the API answers it, typed, with its expiry
    expect(await (await api("namespaces/ui.ops/kv/threshold")).json()).toEqual({ type: "JSON", value: { max: 42 } });
    const list = (await (await api("namespaces/ui.ops/kv")).json()) as Array<{ key: string; expirationDate: string | null }>;
    expect(Date.parse(list.find((k) => k.key === "threshold")!.expirationDate!)).toBeGreaterThan(Date.now() + 50 * 60_000);
    await screenshot(page, "namespace-kv", { bothThemes: true });
  }, 120_000);
});
