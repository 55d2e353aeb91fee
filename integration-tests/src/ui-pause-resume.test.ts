import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, screenshot } from "./support/browser.js";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const FLOW = `id: approval
namespace: ui.pause
tasks:
  - id: wait_for_approval
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: reason, type: STRING, defaults: none }
  - { id: after, type: core.Return, format: "approved={{ outputs.wait_for_approval.onResume.approved }}: {{ outputs.wait_for_approval.onResume.reason }}" }
`;

type Execution = { state: { current: string }; taskRunList: Array<{ taskId: string; outputs?: Record<string, unknown> }> };

/** A paused execution resumed from its page in real Chromium, with the Pause's onResume inputs. */
describe.skipIf(!hasChromium)("web UI: resume a paused execution (Chromium)", () => {
  let ferry: FerryProcess;
  let browser: Browser;
  const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1/${path}`, init);

  beforeAll(async () => {
    [ferry, browser] = await Promise.all([startFerryProcess(), launchBrowser()]);
    expect((await api("flows", { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
  });

  it("shows the onResume inputs of a PAUSED execution, resumes it with them, and follows it to SUCCESS", async () => {
    const { id } = (await (await api("executions/ui.pause/approval", { method: "POST" })).json()) as { id: string };
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/executions/${id}`);
    await page.getByTestId("execution-state").getByText("PAUSED").waitFor();
    const form = page.getByRole("form", { name: "Resume the execution" });
    await form.getByText("Paused at wait_for_approval").waitFor();
    await form.getByLabel("approved").selectOption("true");
    await form.getByLabel("reason").fill("signed off in the browser");
    await screenshot(page, "execution-paused");
    await form.getByRole("button", { name: "Resume" }).click();
    await page.getByTestId("execution-state").getByText("SUCCESS").waitFor();
    const execution = (await (await api(`executions/${id}`)).json()) as Execution;
    expect(execution.state.current).toBe("SUCCESS");
    expect(execution.taskRunList.find((r) => r.taskId === "wait_for_approval")?.outputs).toEqual({ onResume: { approved: true, reason: "signed off in the browser" } });
    expect(execution.taskRunList.find((r) => r.taskId === "after")?.outputs).toEqual({ value: "approved=true: signed off in the browser" });
  }, 120_000);

  it("resumes the PAUSED executions selected in the list at once", async () => {
    expect((await api("flows", { method: "POST", body: "id: plain\nnamespace: ui.pause\ntasks:\n  - { id: wait, type: core.Pause }\n", headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
    const ids = await Promise.all([1, 2].map(async () => ((await (await api("executions/ui.pause/plain", { method: "POST" })).json()) as { id: string }).id));
    const stateOf = async (id: string) => ((await (await api(`executions/${id}`)).json()) as Execution).state.current;
    await expect.poll(async () => Promise.all(ids.map(stateOf)), { timeout: 30_000 }).toEqual(["PAUSED", "PAUSED"]);
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/ui/executions?namespace=ui.pause&state=PAUSED`);
    for (const id of ids) await page.getByLabel(`Select ${id}`).check();
    await page.getByRole("button", { name: "Resume selected" }).click();
    await page.getByRole("status").getByText("Resumed 2 executions").waitFor();
    await expect.poll(async () => Promise.all(ids.map(stateOf)), { timeout: 30_000 }).toEqual(["SUCCESS", "SUCCESS"]);
  }, 120_000);
});
