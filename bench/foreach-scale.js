#!/usr/bin/env node
// Issue #18: the cost of one execution as its size grows. For each N given, starts a fresh
// `ferry server local` (after `npm run build`), runs one ForEach over N values whose one
// task is a Return, and prints the seconds from request to SUCCESS, the time per task run
// the server's CPU time per task run (user + system, all its threads) and its peak RSS
// (VmHWM) over the run. The cost per task run should stay flat.
//
//   node bench/foreach-scale.js 1000 2000 4000 10000 [--json] [--limit 600] [--concurrency 1,0]
//        [--roots /work/main,.]
//
// --concurrency is the ForEach's concurrencyLimit, one or several: 1 (Kestra's default) runs
// one value at a time, 0 all at once. --roots runs each ferry checkout in turn for every size,
// so that a change is measured against main's build in the same run (this box drifts by tens
// of per cent within minutes). FERRY_BENCH_NODE_ARGS adds node flags to the server (--cpu-prof …).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: "boolean", default: false }, limit: { type: "string", default: "600" }, concurrency: { type: "string", default: "1" }, roots: { type: "string", default: ROOT } },
});
const sizes = (positionals.length ? positionals : ["1000", "2000", "4000", "10000"]).map(Number);
for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`N must be a positive integer, not '${n}'`);
const LIMIT_S = Number(opts.limit);
const ROOTS = opts.roots.split(",").map((r) => resolve(r));
const LIMITS = opts.concurrency.split(",").map(Number);
for (const c of LIMITS) if (!Number.isInteger(c) || c < 0) throw new Error(`--concurrency takes integers ≥ 0, not '${opts.concurrency}'`);

// the values come from range(): a flow of 100,000 literal values would measure YAML parsing
const flowOf = (n, limit) => `id: foreach_scale
namespace: benchmarks
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: "{{ range(1, ${n}) }}"
    concurrencyLimit: ${limit}
    tasks:
      - id: ret
        type: io.kestra.plugin.core.debug.Return
        format: "{{ taskrun.value }}"
`;

const children = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** VmHWM: the process's peak resident set so far, in MB */
function peakRssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

/** the process's CPU time so far (user + system, every thread), in ms */
function cpuMs(pid) {
  // the fields after the command's closing parenthesis; utime and stime are the 12th and 13th
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

async function runOnce(root, n, limit) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-foreach-"));
  const port = await freePort();
  const env = { ...process.env, FERRY_SERVER__PORT: String(port), FERRY_LOGGING__LEVEL: "warn" };
  const child = spawn(process.execPath, [...(process.env.FERRY_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []), join(root, "apps/cli/bin/ferry.js"), "server", "local"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] });
  children.add(child);
  // a server that dies mid-run says how, instead of the next poll's ECONNRESET
  child.once("exit", (code, signal) => {
    if (children.has(child)) console.error(`the server (${root}) exited during the run: code ${code}, signal ${signal}`);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 3000) throw new Error("the server did not start in 30 s");
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const deployed = await fetch(`${url}/api/v1/flows`, { method: "POST", body: flowOf(n, limit), headers: { "content-type": "application/x-yaml" } });
    if (deployed.status !== 200) throw new Error(`deploy failed: ${deployed.status} ${await deployed.text()}`);
    const cpu0 = cpuMs(child.pid);
    const t0 = performance.now();
    const created = await fetch(`${url}/api/v1/executions/benchmarks/foreach_scale`, { method: "POST" });
    const { id } = await created.json();
    // polled through the search (an execution's own GET would answer all N task runs each time)
    let state;
    while (performance.now() - t0 < LIMIT_S * 1000) {
      await new Promise((r) => setTimeout(r, 100));
      // a server whose event loop was held longer than its keep-alive timeout (one event creating
      // 100,000 task runs) closes the kept socket as the next poll arrives on it: poll again
      const page = await fetch(`${url}/api/v1/executions/search?namespace=benchmarks&flowId=foreach_scale&size=1`).then(
        (r) => r.json(),
        (error) => {
          if (child.exitCode !== null || child.signalCode !== null) throw error;
          return { results: [] };
        },
      );
      state = page.results.find((e) => e.id === id)?.state?.current;
      if (["SUCCESS", "FAILED", "KILLED", "WARNING"].includes(state)) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuMs(child.pid) - cpu0;
    return {
      root, n, concurrency: limit, state: state ?? "unknown", seconds: Number(seconds.toFixed(2)), ms_per_task_run: Number(((seconds * 1000) / n).toFixed(3)),
      cpu_ms_per_task_run: Number((cpu / n).toFixed(3)), peak_rss_mb: peakRssMb(child.pid),
    };
  } finally {
    children.delete(child);
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const limit of LIMITS) {
  for (const n of sizes) {
    for (const root of ROOTS) {
      const row = await runOnce(root, n, limit);
      const where = ROOTS.length > 1 ? `${root.padEnd(28)} ` : "";
      console.log(
        opts.json
          ? JSON.stringify(row)
          : `${where}ForEach (limit ${limit}) over ${String(n).padStart(6)}: ${row.state.padEnd(8)} ${String(row.seconds).padStart(8)} s  ${String(row.ms_per_task_run).padStart(7)} ms/task run  cpu ${String(row.cpu_ms_per_task_run).padStart(6)} ms/task run  peak rss ${row.peak_rss_mb} MB`,
      );
    }
  }
}
