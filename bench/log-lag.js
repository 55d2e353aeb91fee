#!/usr/bin/env node
// Are a task's log lines stored by the time its execution answers SUCCESS? benchmark01 at a
// fixed rate through its webhook (wait), each execution's logs read as soon as it answered;
// counts the answers that came before the Log task's line was readable. With --baseline, that
// build's server runs beside this checkout's, rounds alternating between them.
//
//   node bench/log-lag.js [--baseline REF] [--rate 100] [--executions 1000] [--rounds 3]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { prepareBaseline } from "./baseline.js";
import { inOwnAutogroup } from "./priority.js";

const relaunched = inOwnAutogroup();
if (relaunched) process.exit(await relaunched);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({ options: { baseline: { type: "string" }, rate: { type: "string", default: "100" }, executions: { type: "string", default: "1000" }, rounds: { type: "string", default: "3" } } });
const FLOW = readFileSync(join(ROOT, "examples/flows/benchmark01.yaml"), "utf8");
const children = [];
const dirs = [];
process.on("exit", () => {
  children.forEach((c) => c.kill("SIGKILL"));
  // a file per input, trigger body and output of every execution: removed in the background
  if (dirs.length) spawn("rm", ["-rf", ...dirs], { detached: true, stdio: "ignore" }).unref();
});

const freePort = () => new Promise((res) => { const s = createServer(); s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => res(port)); }); });

async function start(root) {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), "ferry-log-lag-"));
  dirs.push(cwd);
  const child = spawn(process.execPath, [join(root, "apps/cli/bin/ferry.js"), "server", "local"], {
    cwd, env: { ...process.env, FERRY_SERVER__PORT: String(port), FERRY_LOGGING__LEVEL: "warn" }, stdio: "ignore",
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try { if ((await fetch(`${url}/health`)).ok) break; } catch { if (tries > 300) throw new Error(`${root}: no /health in 60 s`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  const deployed = await fetch(`${url}/api/v1/flows`, { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } });
  if (deployed.status !== 200) throw new Error(`deploy: ${deployed.status} ${await deployed.text()}`);
  return url;
}

/** one execution, then its logs at once: did the Log task's line come with the answer? */
async function one(url) {
  const answer = await (await fetch(`${url}/api/v1/executions/webhook/benchmarks/benchmark01/benchmark01`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).json();
  const logs = await (await fetch(`${url}/api/v1/logs/${answer.id}`)).json();
  const lines = Array.isArray(logs) ? logs : (logs.results ?? []);
  return { ok: answer.state?.current === "SUCCESS", stored: lines.some((l) => l.message === "Hello World") };
}

const servers = [["this", await start(ROOT)]];
if (opts.baseline) servers.unshift([opts.baseline, await start(prepareBaseline(opts.baseline, ROOT))]);
for (const [, url] of servers) for (let i = 0; i < 100; i++) await one(url); // warm-up
const rate = Number(opts.rate);
for (let round = 0; round < Number(opts.rounds); round++) {
  for (const [name, url] of round % 2 ? [...servers].reverse() : servers) {
    const pending = [];
    const t0 = performance.now();
    for (let i = 0; i < Number(opts.executions); i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
      pending.push(one(url).catch(() => ({ ok: false, stored: false })));
    }
    const results = await Promise.all(pending);
    const ok = results.filter((r) => r.ok);
    console.log(`round ${round + 1} ${name}: ${ok.length} SUCCESS, ${ok.filter((r) => !r.stored).length} answered before their log line was readable, ${results.length - ok.length} failed`);
  }
}
process.exit(0);
