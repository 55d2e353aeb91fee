#!/usr/bin/env node
// The web UI's speed, measured in real Chromium (Debian's, via playwright-core) against a real
// `ferry server local` on 127.0.0.1, never in timed tests:
//   - first load: a fresh browser context (empty cache) to the dashboard drawn, 5 runs;
//   - the executions list over 100,000 executions (written through the SQLite repository before
//     the server starts): first page, last page, a state filter, and the API's search itself;
//   - the dashboard's statistics over those executions (30 days);
//   - a live log view of 100,000 lines: streamed to the page, then scrolled end to end while
//     every animation frame's duration is recorded.
//
//   npm run build && node bench/ui.js [--executions 100000] [--lines 100000] [--json]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { createSqliteRepository } from "@ferry/repository-sqlite";
import { v7 } from "uuid";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FERRY = join(ROOT, "apps/cli/bin/ferry.js");
const { values: opts } = parseArgs({
  options: { executions: { type: "string", default: "100000" }, lines: { type: "string", default: "100000" }, json: { type: "boolean", default: false } },
});
const EXECUTIONS = Number(opts.executions);
const LINES = Number(opts.lines);
const DAY = 86_400_000;

const results = [];
function report(measure, value, unit, extra = {}) {
  const line = { scenario: "ui", measure, value: Math.round(value * 10) / 10, unit, ...extra };
  results.push(line);
  console.log(opts.json ? JSON.stringify(line) : `ui  ${measure.padEnd(44)} ${String(line.value).padStart(9)} ${unit}${Object.keys(extra).length ? `  ${JSON.stringify(extra)}` : ""}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** 100,000 ended executions over 30 days, one in ten FAILED, written as the executor writes them */
async function seedExecutions(dir) {
  const repository = createSqliteRepository({ path: "./.ferry/ferry.db" }, dir);
  await repository.init();
  const source = "id: seeded\nnamespace: bench.ui\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n";
  await repository.saveFlow({ namespace: "bench.ui", id: "seeded", source });
  const start = Date.now() - 30 * DAY;
  const began = performance.now();
  for (let i = 0; i < EXECUTIONS; i++) {
    const created = start + Math.floor((i / EXECUTIONS) * 30 * DAY);
    const state = i % 10 === 0 ? "FAILED" : "SUCCESS";
    const ended = created + 200 + (i % 50) * 20;
    const iso = (t) => new Date(t).toISOString();
    await repository.saveExecution({
      id: v7({ msecs: created }),
      namespace: "bench.ui",
      flowId: "seeded",
      flowRevision: 1,
      state: { current: state, histories: [{ state: "CREATED", date: iso(created) }, { state: "RUNNING", date: iso(created + 5) }, { state, date: iso(ended) }] },
      labels: { batch: String(i % 7) },
      created: iso(created),
      updated: iso(ended),
    });
  }
  await repository.close();
  report("seed executions (repository, not measured UI)", (performance.now() - began) / 1000, "s", { executions: EXECUTIONS });
}

async function startServer(dir) {
  const port = await freePort();
  const child = spawn(process.execPath, [FERRY, "server", "local"], { cwd: dir, env: { ...process.env, FERRY_SERVER__PORT: String(port), FERRY_RETENTION__ENABLED: "false" }, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error("the server did not start in 60 s");
}

/** time from navigation to `selector` visible, in a fresh context (no cache) */
async function timeTo(browser, url, selector) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  const began = performance.now();
  await page.goto(url);
  await page.locator(selector).first().waitFor({ timeout: 60_000 });
  const elapsed = performance.now() - began;
  return { elapsed, page, context };
}

const dir = mkdtempSync(join(tmpdir(), "ferry-bench-ui-"));
const browser = await chromium.launch({ executablePath: process.env.FERRY_CHROMIUM ?? "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
let server;
try {
  await seedExecutions(dir);
  server = await startServer(dir);
  const { url } = server;

  // first load: index.html, the shell's chunk and the dashboard's, to the page drawn (its data
  // still coming: the statistics over 100,000 executions are measured on their own below)
  const loads = [];
  for (let i = 0; i < 6; i++) {
    const { elapsed, context } = await timeTo(browser, `${url}/ui/`, "text=Executions per day");
    if (i > 0) loads.push(elapsed); // the first warms the server's file cache and the OS's
    await context.close();
  }
  report("first load, dashboard page drawn (median of 5)", median(loads), "ms", { max: Math.round(Math.max(...loads)) });
  const shell = [];
  for (let i = 0; i < 5; i++) {
    const { elapsed, context } = await timeTo(browser, `${url}/ui/flows`, "h1");
    shell.push(elapsed);
    await context.close();
  }
  report("first load, flows page (median of 5)", median(shell), "ms");

  // the statistics the dashboard reads, over every seeded execution
  const stats = [];
  for (let i = 0; i < 3; i++) {
    const began = performance.now();
    // a range of its own each time: the server keeps one scan's answer for 5 s
    const body = JSON.stringify({ startDate: new Date(Date.now() - (30 + i) * DAY).toISOString() });
    const r = await fetch(`${url}/api/v1/executions/statistics/daily`, { method: "POST", body, headers: { "content-type": "application/json" } });
    await r.json();
    stats.push(performance.now() - began);
  }
  report(`statistics/daily over ${EXECUTIONS} executions (median)`, median(stats), "ms");
  const chart = await timeTo(browser, `${url}/ui/`, "[data-testid=state-chart] canvas");
  report("dashboard chart drawn (statistics cached)", chart.elapsed, "ms");
  await chart.context.close();

  // the executions list: server-side pages of 25
  const search = async (query) => {
    const began = performance.now();
    const body = await (await fetch(`${url}/api/v1/executions/search?${query}`)).json();
    return { ms: performance.now() - began, total: body.total };
  };
  const first = await search("page=1&size=25");
  report("API search, first page of 25", first.ms, "ms", { total: first.total });
  const last = await search(`page=${Math.ceil(EXECUTIONS / 25)}&size=25`);
  report("API search, last page of 25", last.ms, "ms");
  const failed = await search("state=FAILED&page=1&size=25");
  report("API search, state=FAILED first page", failed.ms, "ms", { total: failed.total });

  const list = await timeTo(browser, `${url}/ui/executions`, "[data-testid=executions] tbody tr");
  report("executions page, first rows shown", list.elapsed, "ms");
  let began = performance.now();
  await list.page.getByRole("button", { name: "Last page" }).click();
  await list.page.getByText(`page ${Math.ceil(EXECUTIONS / 25).toLocaleString("en-US")} of`).waitFor();
  await list.page.locator("[data-testid=executions] tbody tr").first().waitFor();
  report("executions page, to the last page", performance.now() - began, "ms");
  began = performance.now();
  await list.page.getByLabel("State").selectOption("FAILED");
  await list.page.getByText(`${(EXECUTIONS / 10).toLocaleString("en-US")} in all`).waitFor();
  report("executions page, filter state=FAILED", performance.now() - began, "ms");
  await list.context.close();

  // a log of LINES lines, streamed to the log view, then scrolled top to bottom
  const flow = `id: chatty\nnamespace: bench.ui\ntasks:\n  - id: lines\n    type: script.Shell\n    commands:\n      - seq 1 ${LINES}\n`;
  await fetch(`${url}/api/v1/flows`, { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } });
  began = performance.now();
  const run = await (await fetch(`${url}/api/v1/executions/bench.ui/chatty?wait=true`, { method: "POST" })).json();
  report(`execution logging ${LINES} lines (not the UI)`, performance.now() - began, "ms", { state: run.state.current });
  const logBegan = performance.now();
  const logs = await timeTo(browser, `${url}/ui/executions/${run.id}/logs`, "[data-testid=logs] .log-line");
  report("log view, first lines shown", logs.elapsed, "ms");
  await logs.page.getByText(new RegExp(`^${LINES.toLocaleString("en-US")} of ${LINES.toLocaleString("en-US")} lines$`)).waitFor({ timeout: 120_000 });
  report(`log view, all ${LINES} lines streamed in`, performance.now() - logBegan, "ms");
  const frames = await logs.page.evaluate(async () => {
    const el = document.querySelector("[data-testid=logs]");
    el.scrollTop = 0;
    const durations = [];
    let last = performance.now();
    const steps = 240; // four seconds at 60 fps, the whole log from top to bottom
    for (let i = 1; i <= steps; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      durations.push(now - last);
      last = now;
      el.scrollTop = (el.scrollHeight * i) / steps;
    }
    return { durations, rows: el.querySelectorAll(".log-line").length };
  });
  report("log view scroll, frame time p50", percentile(frames.durations, 50), "ms");
  report("log view scroll, frame time p95", percentile(frames.durations, 95), "ms");
  report("log view scroll, frames over 50 ms", frames.durations.filter((d) => d > 50).length, "frames", { of: frames.durations.length, rowsInPage: frames.rows });
  await logs.context.close();
} finally {
  await browser.close();
  server?.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
