import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, screenshot, typeInEditor } from "./support/browser.js";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

/**
 * The web UI in real Chromium against a real `ferry server local`: write a flow in the editor
 * (a typo shows its error on its line), save it, run it with a form that uploads a file, watch
 * it finish live, read its logs, preview and download the file it wrote.
 */
const FLOW = (commands: string) => `id: report
namespace: ui.test
labels:
  team: docs
inputs:
  - id: who
    type: STRING
  - id: data
    type: FILE
tasks:
  - id: shout
    type: script.Shell
    inputFiles:
      in.txt: "{{ inputs.data }}"
    outputFiles: ["out.txt"]
    ${commands}:
      - sleep 2
      - echo "hello {{ inputs.who }}"
      - tr a-z A-Z < in.txt > out.txt
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: report ready
`;

describe.skipIf(!hasChromium)("web UI: write, save, run, watch, read (Chromium)", () => {
  if (!hasChromium) console.warn("skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run does it)");
  let ferry: FerryProcess;
  let browser: Browser;
  beforeAll(async () => {
    [ferry, browser] = await Promise.all([startFerryProcess(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await ferry?.stop();
  });

  it("shows a typo on its line, saves a revision, runs the flow with a file and follows it to the end", async () => {
    const { page } = await newPage(browser);
    await page.goto(`${ferry.url}/`);
    await page.getByRole("link", { name: "Flows" }).click();
    await page.getByRole("button", { name: "New flow" }).click();

    // `comands` (line 16): the flow schema marks it as you type
    await typeInEditor(page, FLOW("comands"));
    const problems = page.getByTestId("problems");
    await problems.getByText(/line 16: .*comands/).waitFor();
    // and the server refuses it on save, naming the same line
    await page.getByRole("button", { name: "Save", exact: true }).click();
    // (the server names the line where the key's value starts: 17 for a block list)
    await page.getByRole("alert").getByText(/line 1[67]: tasks\[0\]\.comands: unknown property 'comands'/).waitFor();
    await problems.getByText(/line 1[67]: .*unknown property 'comands' \(server\)/).waitFor();
    await screenshot(page, "editor-typo", { bothThemes: true });

    await typeInEditor(page, FLOW("commands"));
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Saved: revision 1").waitFor();
    expect(page.url()).toContain("/ui/flows/ui.test/report/edit");
    await expect.poll(() => problems.count()).toBe(0);

    // run it: the form is generated from the inputs, the file goes up as a multipart part
    await page.getByRole("tab", { name: "Run" }).click();
    await page.getByLabel("who").fill("Ada");
    const upload = join(ferry.cwd, "letters.txt");
    await writeFile(upload, "dear ada,\nthe engine works.\n");
    await page.locator("input[type=file]").setInputFiles(upload);
    await screenshot(page, "run-form");
    await page.getByRole("button", { name: "Execute" }).click();

    // the execution page follows it live: a state before the end, then SUCCESS, no reload
    await page.waitForURL(/\/ui\/executions\/[0-9a-f-]+$/);
    const state = page.getByTestId("execution-state");
    await state.getByText(/CREATED|RUNNING/).waitFor();
    await state.getByText("SUCCESS").waitFor({ timeout: 60_000 });
    await screenshot(page, "execution-overview", { bothThemes: true });

    await page.getByRole("tab", { name: "Logs" }).click();
    await page.getByTestId("logs").getByText("hello Ada").waitFor();
    await page.getByTestId("logs").getByText("report ready").waitFor();
    await page.getByLabel("Search logs").fill("ready");
    await expect.poll(() => page.getByTestId("log-count").innerText()).toMatch(/^1 of \d+ lines/);
    await screenshot(page, "execution-logs", { bothThemes: true });

    await page.getByRole("tab", { name: "Gantt" }).click();
    await page.getByTestId("gantt").getByText("shout").waitFor();
    await screenshot(page, "execution-gantt", { bothThemes: true });
    await page.getByRole("tab", { name: "Topology" }).click();
    await page.locator('[data-task-id="shout"][data-state="SUCCESS"]').waitFor();
    await screenshot(page, "execution-topology", { bothThemes: true });

    // the file the task wrote: previewed, and downloaded byte for byte
    await page.getByRole("tab", { name: "Outputs" }).click();
    const file = page.locator(".file-value", { hasText: "out.txt" });
    await file.getByRole("button", { name: "Preview" }).click();
    await page.getByTestId("file-preview").getByText("DEAR ADA,").waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), file.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe("out.txt");
    expect(await readFile((await download.path())!, "utf8")).toBe("DEAR ADA,\nTHE ENGINE WORKS.\n");
    await screenshot(page, "execution-outputs");
  }, 240_000);

  it("shows the flow's topology, its revisions compared, and its executions", async () => {
    const { page } = await newPage(browser, "dark");
    await page.goto(`${ferry.url}/ui/flows/ui.test/report`);
    await page.locator('[data-task-id="shout"]').waitFor();
    await page.locator('[data-task-id="done"]').waitFor();
    await screenshot(page, "flow-topology", { bothThemes: true });
    await page.getByRole("tab", { name: "Executions" }).click();
    await page.getByTestId("executions").getByText("SUCCESS").waitFor();
    await page.goto(`${ferry.url}/ui/`);
    await page.getByTestId("state-chart").waitFor();
    await page.getByText("Slowest flows").waitFor();
    await page.getByRole("link", { name: "report" }).first().waitFor();
    await screenshot(page, "dashboard", { bothThemes: true });
  }, 120_000);
});
