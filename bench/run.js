#!/usr/bin/env node
// Ferry's benchmark harness. Starts what it measures as real processes (a `ferry server
// local` on the embedded defaults), drives it over HTTP on 127.0.0.1 only, with loops
// bounded in count and time, and prints one line per scenario (`--json`: one JSON object).
//
//   npm run bench                                   every scenario, local mode
//                                                   (benchmark01 is started by its webhook, with
//                                                   `wait`; benchmark01-api by the executions API)
//   npm run bench -- benchmark01 --duration 5       one scenario, shorter phases
//   npm run bench -- --json                         machine-readable lines
//   npm run bench -- kv benchmark01-s3              KV round trips (API and flow) on local and S3
//                                                   storage; benchmark01 on S3 (s3rver, started here)
//   npm run bench -- foreach --baseline /work/main   a ForEach over 1,000 and 10,000 values (limits 1 and 0),
//                                                   this checkout against the baseline's build in the same run
//   npm run bench -- benchmark01 --baseline main --rounds 3 --rates 100
//                                                   this checkout against a git ref (built once in
//       bench/.baselines/, bench/baseline.js) or a built checkout's folder: both servers up side
//       by side, phases alternating between them round by round, then each phase's medians and
//       their ratios (this / baseline): executions/s, p50, p99, CPU ms per execution
//   npm run bench -- --mode distributed             scheduler + one worker over Redis, on the
//       services named by FERRY_BENCH_REDIS_URL and FERRY_BENCH_POSTGRES_URL (or _MYSQL_URL)
//   npm run bench -- --mode distributed --schedulers 2 --workers 2
//                                                   the same scaled out; each line gives every process's CPU
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { prepareBaseline } from "./baseline.js";
import { inOwnAutogroup } from "./priority.js";

// at a negative nice, the bench runs in a session of its own to get that priority (bench/priority.js)
const relaunched = inOwnAutogroup();
if (relaunched) process.exit(await relaunched);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: "string", default: "local" },
    json: { type: "boolean", default: false },
    duration: { type: "string", default: "20" },
    rates: { type: "string", default: "10,50,100,200" },
    concurrency: { type: "string", default: "32" },
    // foreach: the sizes
    sizes: { type: "string", default: "1000,10000" },
    // a git ref or a built checkout's folder to compare with in the same run, and how many
    // alternating rounds benchmark01's phases run on each
    baseline: { type: "string" },
    rounds: { type: "string", default: "1" },
    // soak: how long, at what rate, reported per window of this many seconds
    "soak-seconds": { type: "string", default: "600" },
    "soak-rate": { type: "string", default: "200" },
    "soak-window": { type: "string", default: "60" },
    // distributed: how many schedulers (requests spread over them in turn) and workers
    schedulers: { type: "string", default: "1" },
    workers: { type: "string", default: "1" },
  },
});
const SCENARIOS = ["startup", "benchmark01", "benchmark01-api", "benchmark01-s3", "kv", "sequential40", "deno40", "shell40", "secrets", "foreach", "soak"];
// soak runs for minutes: only when named
const chosen = positionals.length ? positionals : SCENARIOS.filter((s) => s !== "benchmark01-api" && s !== "soak");
for (const s of chosen) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario '${s}' (one of ${SCENARIOS.join(", ")})`);
if (!["local", "distributed"].includes(opts.mode)) throw new Error(`unknown mode '${opts.mode}' (local or distributed)`);
const DURATION_S = Number(opts.duration);
const ROUNDS = Number(opts.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds ${opts.rounds}: a whole number of at least 1`);
/** the baseline checkout's root once built (main() prepares it) */
let BASELINE;

const BENCHMARK01 = readFileSync(join(ROOT, "examples/flows/benchmark01.yaml"), "utf8");
const SEQUENTIAL40 = `id: sequential40\nnamespace: benchmarks\ntasks:\n${Array.from({ length: 40 }, (_, i) => `  - id: log${i}\n    type: io.kestra.plugin.core.log.Log\n    message: "step ${i} of {{ flow.id }}"\n`).join("")}`;

// Windmill's published script benchmark: 40 sequential tasks, each computing fibo(10)
const scriptFlow = (id, task) => `id: ${id}\nnamespace: benchmarks\ntasks:\n${Array.from({ length: 40 }, (_, i) => `  - id: fibo${i}\n${task}`).join("")}`;
const DENO40 = scriptFlow(
  "deno40",
  `    type: script.Deno\n    inputs: { n: 10 }\n    script: |\n      export default ({ n }: { n: number }) => {\n        const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));\n        return { result: fib(n) };\n      };\n`,
);
// sh has no recursion without a subshell (a fork) per call: fibo(10) iteratively
const SHELL40 = scriptFlow(
  "shell40",
  `    type: script.Shell\n    commands:\n      - a=0; b=1; i=0; while [ $i -lt 10 ]; do t=$((a + b)); a=$b; b=$t; i=$((i + 1)); done; echo "::{\\"outputs\\":{\\"result\\":$a}}::"\n`,
);

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function rssMb(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return Math.round(Number(line.split(/\s+/)[1]) / 1024);
  } catch {
    return null;
  }
}

/** a fresh database on the benchmark's server, for distributed mode */
async function freshDatabase() {
  const name = `ferry_bench_${Date.now().toString(36)}`;
  if (process.env.FERRY_BENCH_POSTGRES_URL) {
    const { default: postgres } = await import("postgres");
    const admin = postgres(process.env.FERRY_BENCH_POSTGRES_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    const url = new URL(process.env.FERRY_BENCH_POSTGRES_URL);
    url.pathname = `/${name}`;
    return { type: "postgres", url: url.toString(), drop: async () => (await admin.unsafe(`drop database if exists "${name}" with (force)`), await admin.end()) };
  }
  if (process.env.FERRY_BENCH_MYSQL_URL) {
    const mysql = await import("mysql2/promise");
    const admin = await mysql.createConnection({ uri: process.env.FERRY_BENCH_MYSQL_URL });
    await admin.query(`create database \`${name}\``);
    const url = new URL(process.env.FERRY_BENCH_MYSQL_URL);
    url.pathname = `/${name}`;
    return { type: "mysql", url: url.toString(), drop: async () => (await admin.query(`drop database if exists \`${name}\``), await admin.end()) };
  }
  throw new Error("distributed mode needs FERRY_BENCH_POSTGRES_URL or FERRY_BENCH_MYSQL_URL, and FERRY_BENCH_REDIS_URL");
}

/** removes a distributed run's queue keys (streams, marks, timers), which otherwise stay in the shared Redis */
async function dropRedisKeys(prefix) {
  const { Redis } = await import("ioredis");
  const redis = new Redis(process.env.FERRY_BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** node flags for every server process (`FERRY_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` profiles them) */
const NODE_ARGS = process.env.FERRY_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];

// children die with the harness, even when it is interrupted
const children = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

/** a `ferry server local` (or scheduler + worker); `extra` adds configuration lines and environment */
async function startServer(config = { yaml: "", env: {} }, root = ROOT) {
  const ferry = join(root, "apps/cli/bin/ferry.js");
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-"));
  const port = await freePort();
  const env = { ...process.env, FERRY_SERVER__PORT: String(port), FERRY_LOGGING__LEVEL: "warn", ...config.env };
  if (config.yaml) writeFileSync(join(dir, "ferry.yaml"), config.yaml);
  let database;
  let redisPrefix;
  const extra = [];
  if (opts.mode === "distributed") {
    if (!process.env.FERRY_BENCH_REDIS_URL) throw new Error("distributed mode needs FERRY_BENCH_REDIS_URL");
    database = await freshDatabase();
    redisPrefix = `ferry-bench-${Date.now().toString(36)}`;
    writeFileSync(
      join(dir, "ferry.yaml"),
      `repository: { type: ${database.type}, url: "${database.url}" }\nqueue: { type: redis, url: "${process.env.FERRY_BENCH_REDIS_URL}", prefix: "${redisPrefix}" }\n${config.yaml}`,
    );
  }
  const started = performance.now();
  const schedulers = opts.mode === "distributed" ? Number(opts.schedulers) : 1;
  const ports = [port, ...(await Promise.all(Array.from({ length: schedulers - 1 }, freePort)))];
  const role = opts.mode === "distributed" ? "scheduler" : "local";
  const [child, ...otherSchedulers] = ports.map((p) => spawn(process.execPath, [...NODE_ARGS, ferry, "server", role], { cwd: dir, env: { ...env, FERRY_SERVER__PORT: String(p) }, stdio: ["ignore", "ignore", "inherit"] }));
  if (opts.mode === "distributed") {
    for (let i = 0; i < Number(opts.workers); i++) extra.push(spawn(process.execPath, [...NODE_ARGS, ferry, "server", "worker"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] }));
  }
  extra.push(...otherSchedulers);
  for (const c of [child, ...extra]) children.add(c);
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  for (const each of urls) {
    for (let i = 0; i < 600; i++) {
      try {
        if ((await fetch(`${each}/health`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const readyMs = performance.now() - started;
  let turn = 0;
  const processes = [{ name: role, pid: child.pid }, ...otherSchedulers.map((c) => ({ name: "scheduler", pid: c.pid })), ...extra.filter((c) => !otherSchedulers.includes(c)).map((c) => ({ name: "worker", pid: c.pid }))];
  return {
    /** a scheduler's URL, each in turn */
    get url() {
      return urls[turn++ % urls.length];
    },
    readyMs, pid: child.pid, workerPids: processes.filter((p) => p.name === "worker").map((p) => p.pid), processes,
    async stop() {
      for (const c of [...extra, child]) {
        c.kill("SIGTERM");
        await new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", r)));
      }
      await database?.drop();
      if (redisPrefix) await dropRedisKeys(redisPrefix);
      // in the background: a long run leaves a file per input, output and trigger body of every
      // execution (150,000 after 5 rounds of benchmark01), whose removal took minutes holding the bench lock
      spawn("rm", ["-rf", dir], { detached: true, stdio: "ignore" }).unref();
    },
  };
}

async function deploy(url, source) {
  const r = await fetch(`${url}/api/v1/flows`, { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } });
  if (r.status !== 200) throw new Error(`deploy failed: ${r.status} ${await r.text()}`);
}

/** one execution, request to SUCCESS (the server answers when it ends), by the API or by the flow's webhook */
async function execute(url, flowId, via = "api") {
  const t0 = performance.now();
  const r =
    via === "webhook"
      ? await fetch(`${url}/api/v1/executions/webhook/benchmarks/${flowId}/${flowId}`, { method: "POST", body: '{"source":"bench"}', headers: { "content-type": "application/json" } })
      : await fetch(`${url}/api/v1/executions/benchmarks/${flowId}?wait=true`, { method: "POST" });
  const body = await r.json();
  const ms = performance.now() - t0;
  return { ms, ok: r.status === 200 && body.state?.current === "SUCCESS" };
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

/** a process's CPU time so far (user + system), in seconds; with `tid`, that thread's alone (the main thread's: tid = pid) */
function cpuSeconds(pid, tid) {
  try {
    const fields = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const serverProcesses = (server) => server.processes ?? [{ name: "server", pid: server.pid }];

/** notes each server process's CPU time at a phase's start */
function markCpu(server) {
  server.cpuAtStart = new Map(serverProcesses(server).map(({ pid }) => [pid, cpuSeconds(pid)]));
  server.mainCpuAtStart = cpuSeconds(server.pid, server.pid);
}

/**
 * The first server process's main thread's CPU share since markCpu (100 % = one core): local
 * mode's API and executor. What the process spent beyond it went to its other threads — the
 * worker threads (worker.threads), libuv's pool, V8's collector and compiler.
 */
function mainThreadShare(server, seconds) {
  const now = cpuSeconds(server.pid, server.pid);
  return now === null || server.mainCpuAtStart == null ? null : Math.round((1000 * (now - server.mainCpuAtStart)) / seconds) / 10;
}

/** each server process's CPU share (100 % = one core) since markCpu */
function cpuShares(server, seconds) {
  return serverProcesses(server).map(({ name, pid }) => {
    const now = cpuSeconds(pid);
    const before = server.cpuAtStart?.get(pid);
    return { name, pct: now === null || before == null ? null : Math.round((1000 * (now - before)) / seconds) / 10 };
  });
}

function report(scenario, rate, results, seconds, server) {
  const cpu = cpuShares(server, seconds);
  const lat = results.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b);
  // every server process's CPU over the phase, per successful execution
  const cpuMs = cpu.every((c) => c.pct !== null) ? (cpu.reduce((sum, c) => sum + c.pct, 0) / 100) * seconds * 1000 : null;
  const row = {
    scenario, mode: opts.mode, ...(server.checkout ? { checkout: server.checkout } : {}), rate, executions: results.length,
    exec_per_s: Number((lat.length / seconds).toFixed(1)),
    p50_ms: round(pct(lat, 50)), p95_ms: round(pct(lat, 95)), p99_ms: round(pct(lat, 99)),
    errors: results.length - lat.length, rss_mb: rssMb(server.pid),
    cpu_pct: cpu.map((c) => c.pct),
    cpu_ms_per_exec: cpuMs === null || !lat.length ? null : round(cpuMs / lat.length),
    main_thread_cpu_pct: mainThreadShare(server, seconds),
  };
  row.main_thread_cpu_ms_per_exec = row.main_thread_cpu_pct === null || !lat.length ? null : round((row.main_thread_cpu_pct / 100) * seconds * 1000 / lat.length);
  const cpuText = cpu.some((c) => c.pct !== null)
    ? `  cpu ${cpu.map((c) => `${c.name} ${c.pct ?? "?"}%`).join(", ")} (main thread ${row.main_thread_cpu_pct ?? "?"}%), ${row.cpu_ms_per_exec ?? "?"} ms/execution (main thread ${row.main_thread_cpu_ms_per_exec ?? "?"})`
    : "";
  const name = server.checkout ? `${scenario} [${server.checkout}]` : scenario;
  if (opts.json) console.log(JSON.stringify({ ...row, cpu_processes: cpu.map((c) => c.name) }));
  else console.log(`${name.padEnd(13)} ${String(rate).padEnd(10)} ${String(row.executions).padStart(6)} runs  ${String(row.exec_per_s).padStart(7)}/s  p50 ${row.p50_ms} ms  p95 ${row.p95_ms} ms  p99 ${row.p99_ms} ms  errors ${row.errors}  rss ${row.rss_mb} MB${cpuText}`);
  return row;
}
const label = (flowId, via) => (via === "api" ? `${flowId}-api` : flowId);
const round = (v) => (v === null ? null : Number(v.toFixed(1)));

/** open loop: starts one execution every 1/rate s for the duration, then waits for all */
async function fixedRate(server, flowId, rate, via, name = label(flowId, via)) {
  const pending = [];
  markCpu(server);
  const t0 = performance.now();
  const total = Math.round(rate * DURATION_S);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    // behind schedule, still one turn per request (a synchronous catch-up starts them all at once)
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
    pending.push(execute(server.url, flowId, via).catch(() => ({ ms: 0, ok: false })));
  }
  const results = await Promise.all(pending);
  return report(name, `${rate}/s`, results, (performance.now() - t0) / 1000, server);
}

/** closed loop: `concurrency` clients back to back for the duration */
async function fullSpeed(server, flowId, concurrency, via, name = label(flowId, via)) {
  const results = [];
  markCpu(server);
  const t0 = performance.now();
  const end = t0 + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) results.push(await execute(server.url, flowId, via).catch(() => ({ ms: 0, ok: false })));
    }),
  );
  return report(name, `max/${concurrency}c`, results, (performance.now() - t0) / 1000, server);
}

async function main() {
  if (opts.baseline) BASELINE = prepareBaseline(opts.baseline, ROOT);
  if (!opts.json) console.log(`Ferry benchmarks, mode ${opts.mode}, ${DURATION_S} s phases, on ${process.platform} node ${process.version}${BASELINE ? `, against ${opts.baseline} (${BASELINE}), ${ROUNDS} round(s)` : ""}`);
  if (chosen.includes("startup")) {
    const server = await startServer();
    await new Promise((r) => setTimeout(r, 500));
    const row = { scenario: "startup", mode: opts.mode, ready_ms: Math.round(server.readyMs), rss_mb: rssMb(server.pid), worker_rss_mb: server.workerPids.map(rssMb)[0] ?? null };
    const worker = row.worker_rss_mb === null ? "" : `, idle worker rss ${row.worker_rss_mb} MB`;
    console.log(opts.json ? JSON.stringify(row) : `startup       ready in ${row.ready_ms} ms, idle rss ${row.rss_mb} MB${worker}`);
    await server.stop();
  }
  for (const [scenario, via] of [["benchmark01", "webhook"], ["benchmark01-api", "api"]]) {
    if (chosen.includes(scenario)) await benchmark01(scenario, via);
  }
  if (chosen.includes("benchmark01-s3")) {
    const s3 = await s3Storage();
    const server = await startServer({ yaml: s3.yaml, env: {} });
    await deploy(server.url, BENCHMARK01);
    for (let i = 0; i < 200; i++) await execute(server.url, "benchmark01", "webhook");
    for (const rate of opts.rates.split(",").map(Number)) await fixedRate(server, "benchmark01", rate, "webhook", "benchmark01-s3");
    await fullSpeed(server, "benchmark01", Number(opts.concurrency), "webhook", "benchmark01-s3");
    await server.stop();
    await s3.stop();
  }
  if (chosen.includes("kv")) await kvScenario();
  if (chosen.includes("secrets")) await secretsScenario();
  if (chosen.includes("foreach")) await foreachScenario();
  if (chosen.includes("soak")) {
    const { soakScenario } = await import("./soak.js");
    const roots = BASELINE ? [BASELINE, ROOT] : [ROOT];
    await soakScenario({ roots, startServer, deploy, execute, rssMb, cpuSeconds, json: opts.json, source: BENCHMARK01, seconds: Number(opts["soak-seconds"]), rate: Number(opts["soak-rate"]), window: Number(opts["soak-window"]) });
  }
  for (const [scenario, source, runs] of [["sequential40", SEQUENTIAL40, 20], ["deno40", DENO40, 5], ["shell40", SHELL40, 5]]) {
    if (!chosen.includes(scenario)) continue;
    const server = await startServer();
    await deploy(server.url, source);
    for (let i = 0; i < 2; i++) await execute(server.url, scenario); // warm-up (Deno's module cache)
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await execute(server.url, scenario));
    const seconds = results.reduce((s, r) => s + r.ms, 0) / 1000;
    report(scenario, "serial", results, seconds, server);
    await server.stop();
  }
}

/**
 * benchmark01 at each fixed rate, then at full speed. With a baseline both checkouts' servers
 * run side by side, and each phase runs on one then the other, the order swapped every round:
 * this box's speed drifts by tens of per cent within minutes, which alternation cancels and
 * one run each, minutes apart, does not.
 */
async function benchmark01(scenario, via) {
  const checkouts = BASELINE ? [["baseline", BASELINE], ["this", ROOT]] : [[undefined, ROOT]];
  const servers = [];
  for (const [checkout, root] of checkouts) {
    const server = await startServer(undefined, root);
    server.checkout = checkout;
    servers.push(server);
    await deploy(server.url, BENCHMARK01);
    for (let i = 0; i < 200; i++) await execute(server.url, "benchmark01", via); // warm-up
  }
  const phases = [...opts.rates.split(",").map((rate) => ({ rate: Number(rate) })), { full: Number(opts.concurrency) }];
  const rows = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...servers].reverse() : servers;
    for (const phase of phases) {
      for (const server of order) {
        rows.push(phase.full ? await fullSpeed(server, "benchmark01", phase.full, via) : await fixedRate(server, "benchmark01", phase.rate, via));
      }
    }
  }
  if (BASELINE) compareCheckouts(label("benchmark01", via), rows);
  for (const server of servers) await server.stop();
}

/** per phase, the medians over the rounds of each checkout, and this checkout's ratio to the baseline's */
function compareCheckouts(scenario, rows) {
  const median = (values) => {
    const known = values.filter((v) => v !== null).sort((a, b) => a - b);
    if (!known.length) return null;
    const mid = Math.floor(known.length / 2);
    // an even count's median is its two middle values' mean (of two rounds, not the larger)
    return known.length % 2 ? known[mid] : round((known[mid - 1] + known[mid]) / 2);
  };
  const keys = ["exec_per_s", "p50_ms", "p99_ms", "cpu_ms_per_exec", "main_thread_cpu_ms_per_exec"];
  for (const rate of [...new Set(rows.map((r) => r.rate))]) {
    const of = (checkout) => Object.fromEntries(keys.map((k) => [k, median(rows.filter((r) => r.rate === rate && r.checkout === checkout).map((r) => r[k]))]));
    const [base, mine] = [of("baseline"), of("this")];
    const ratios = Object.fromEntries(keys.map((k) => [k, base[k] && mine[k] !== null ? Number((mine[k] / base[k]).toFixed(2)) : null]));
    const row = { scenario, mode: opts.mode, rate, rounds: ROUNDS, baseline: opts.baseline, this: mine, base, ratio: ratios };
    const text = `${scenario.padEnd(13)} ${String(rate).padEnd(10)} this / ${opts.baseline}: ×${ratios.exec_per_s} exec/s, ×${ratios.p50_ms} p50, ×${ratios.p99_ms} p99, ×${ratios.cpu_ms_per_exec} cpu/execution, ×${ratios.main_thread_cpu_ms_per_exec} main thread cpu/execution`
      + `  (this ${mine.exec_per_s}/s, p50 ${mine.p50_ms} ms, ${mine.cpu_ms_per_exec} cpu ms, main thread ${mine.main_thread_cpu_ms_per_exec}; baseline ${base.exec_per_s}/s, p50 ${base.p50_ms} ms, ${base.cpu_ms_per_exec} cpu ms, main thread ${base.main_thread_cpu_ms_per_exec}; medians of ${ROUNDS})`;
    console.log(opts.json ? JSON.stringify({ ...row, comparison: true }) : text);
    // each round's figures beside the medians: a ratio moved by one round shows as one
    if (!opts.json) {
      const perRound = (checkout, k) => rows.filter((r) => r.rate === rate && r.checkout === checkout).map((r) => r[k] ?? "?").join("/");
      for (const k of ["p50_ms", "p99_ms", "cpu_ms_per_exec", "main_thread_cpu_ms_per_exec"]) console.log(`${"".padEnd(13)} ${"".padEnd(10)} ${k} by round: this ${perRound("this", k)}; baseline ${perRound("baseline", k)}`);
    }
  }
}

/** an S3-compatible server (s3rver, as no MinIO or AWS is reachable here) and the storage section for it */
async function s3Storage() {
  const { startS3rver } = await import("@ferry/testkit/s3rver");
  const server = await startS3rver();
  const bucket = await server.createBucket(`bench-${Date.now().toString(36)}`);
  const { accessKeyId, secretAccessKey } = server.credentials;
  return { yaml: `storage: { type: s3, bucket: ${bucket}, endpoint: "${server.endpoint}", accessKeyId: ${accessKeyId}, secretAccessKey: ${secretAccessKey} }\n`, stop: () => server.stop() };
}

const KV_FLOW = `id: kv
namespace: benchmarks
tasks:
  - { id: set, type: io.kestra.plugin.core.kv.Set, key: "counter_{{ execution.id }}", value: "{{ execution.id }}" }
  - { id: get, type: io.kestra.plugin.core.kv.Get, key: "counter_{{ execution.id }}", errorOnMissing: true }
`;

/**
 * The KV store, on local and on S3 storage: set + get round trips through the API (one
 * client, back to back, each GET timed on its own), then a flow that sets and gets a pair,
 * at full speed.
 */
async function kvScenario() {
  for (const storage of ["local", "s3"]) {
    const s3 = storage === "s3" ? await s3Storage() : undefined;
    const server = await startServer({ yaml: s3?.yaml ?? "", env: {} });
    const kvUrl = (key) => `${server.url}/api/v1/namespaces/benchmarks/kv/${key}`;
    const roundTrip = async (i) => {
      const t0 = performance.now();
      const put = await fetch(kvUrl(`key_${i % 100}`), { method: "PUT", body: JSON.stringify({ i }), headers: { "content-type": "application/json" } });
      await put.arrayBuffer();
      const t1 = performance.now();
      const got = await fetch(kvUrl(`key_${i % 100}`));
      const body = await got.json();
      const t2 = performance.now();
      return { ok: put.status === 200 && got.status === 200 && body.value?.i === i, pairMs: t2 - t0, getMs: t2 - t1 };
    };
    for (let i = 0; i < 200; i++) await roundTrip(i); // warm-up
    const results = [];
    const t0 = performance.now();
    const end = t0 + DURATION_S * 1000;
    for (let i = 0; performance.now() < end && i < 1_000_000; i++) results.push(await roundTrip(i));
    const seconds = (performance.now() - t0) / 1000;
    const gets = results.filter((r) => r.ok).map((r) => r.getMs).sort((a, b) => a - b);
    const row = {
      scenario: "kv-api", mode: opts.mode, storage, pairs: results.length, pairs_per_s: Number((gets.length / seconds).toFixed(1)),
      get_p50_ms: round(pct(gets, 50)), get_p99_ms: round(pct(gets, 99)), errors: results.length - gets.length, rss_mb: rssMb(server.pid),
    };
    console.log(opts.json ? JSON.stringify(row) : `kv-api        ${storage.padEnd(10)} ${String(row.pairs).padStart(6)} set+get  ${String(row.pairs_per_s).padStart(7)}/s  get p50 ${row.get_p50_ms} ms  get p99 ${row.get_p99_ms} ms  errors ${row.errors}`);
    await deploy(server.url, KV_FLOW);
    for (let i = 0; i < 100; i++) await execute(server.url, "kv");
    await fullSpeed(server, "kv", Number(opts.concurrency), "api", `kv-flow-${storage}`);
    await server.stop();
    await s3?.stop();
  }
}

/**
 * benchmark01 with a `secret()` in a task property, at full speed, per secret backend (env,
 * database, Vault — the FakeVault test server, as no Vault runs here), against the same flow
 * without a secret. Both flows run on one server, in alternating phases (without, with,
 * without, …), and the medians are compared: this box's speed drifts by tens of per cent
 * within minutes, which one phase each on two servers cannot tell from a real cost.
 */
async function secretsScenario() {
  const { FakeVault } = await import("@ferry/testkit/fake-vault");
  const vault = await new FakeVault().start();
  const withSecret = BENCHMARK01.replace('message: "{{ outputs.concatenate.values.message }}"', `message: "{{ outputs.concatenate.values.message }} {{ secret('BENCH_TOKEN') }}"`)
    .replace("id: benchmark01\n", "id: benchmark01s\n")
    .replace("key: benchmark01\n", "key: benchmark01s\n");
  if (!withSecret.includes("secret('BENCH_TOKEN')") || !withSecret.includes("key: benchmark01s")) throw new Error("benchmark01.yaml changed: the secrets scenario cannot place its secret");
  const key = Buffer.alloc(32, 1).toString("base64");
  const backends = [
    ["env", { yaml: "", env: { SECRET_BENCH_TOKEN: Buffer.from("bench-token").toString("base64") } }],
    ["database", { yaml: `secrets: { type: database, key: "${key}" }\n`, env: {} }],
    ["vault", { yaml: `secrets: { type: vault, url: "${vault.url}", token: "${vault.rootToken}", pathPrefix: "bench-${Date.now()}" }\n`, env: {} }],
  ];
  const rounds = 3;
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const [backend, config] of backends) {
    const server = await startServer(config);
    await deploy(server.url, BENCHMARK01);
    await deploy(server.url, withSecret);
    if (config.yaml) {
      const r = await fetch(`${server.url}/api/v1/namespaces/benchmarks/secrets/BENCH_TOKEN`, { method: "PUT", body: "bench-token" });
      if (r.status !== 200) throw new Error(`setting the bench secret failed: ${r.status} ${await r.text()}`);
    }
    for (let i = 0; i < 200; i++) {
      await execute(server.url, "benchmark01", "webhook");
      await execute(server.url, "benchmark01s", "webhook");
    }
    const without = [];
    const withIt = [];
    for (let round = 0; round < rounds; round++) {
      without.push((await fullSpeed(server, "benchmark01", Number(opts.concurrency), "webhook", `secrets-${backend}-without`)).exec_per_s);
      withIt.push((await fullSpeed(server, "benchmark01s", Number(opts.concurrency), "webhook", `secrets-${backend}-with`)).exec_per_s);
    }
    await server.stop();
    const [a, b] = [median(without), median(withIt)];
    const delta = ((b / a - 1) * 100).toFixed(1);
    console.log(opts.json ? JSON.stringify({ scenario: "secrets", backend, exec_per_s: b, without_secret: a, delta_pct: Number(delta), rounds }) : `secrets       ${backend.padEnd(10)} ${b}/s with secret(), ${a}/s without, medians of ${rounds} alternating phases (${delta}%)`);
  }
  await vault.stop();
}

/**
 * Issue #18: one execution's cost as it grows — a ForEach over N Return tasks, one value at
 * a time (concurrencyLimit 1) and all at once (0), on a fresh local server per run
 * (bench/foreach-scale.js). With --baseline, the baseline's build runs each case just before
 * this checkout's, and the line gives their ratio: this box drifts too much between runs for
 * figures taken minutes apart to compare.
 */
async function foreachScenario() {
  if (opts.mode !== "local") throw new Error("the foreach scenario runs in local mode only (--mode local)");
  const roots = BASELINE ? [BASELINE, ROOT] : [ROOT];
  const args = [join(ROOT, "bench/foreach-scale.js"), ...opts.sizes.split(","), "--concurrency", "1,0", "--roots", roots.join(","), "--json"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const rows = [];
  let buffered = "";
  child.stdout.on("data", (chunk) => {
    buffered += chunk;
    for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
      const row = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      rows.push(row);
      if (row.root !== ROOT) continue;
      const base = rows.find((r) => r.root !== ROOT && r.n === row.n && r.concurrency === row.concurrency);
      const ratio = (key) => (base ? Number((row[key] / base[key]).toFixed(2)) : null);
      const out = { scenario: "foreach", mode: "local", ...row, root: undefined, ...(base ? { baseline: base.root, baseline_seconds: base.seconds, baseline_cpu_ms_per_task_run: base.cpu_ms_per_task_run, baseline_peak_rss_mb: base.peak_rss_mb, seconds_ratio: ratio("seconds"), cpu_ratio: ratio("cpu_ms_per_task_run"), rss_ratio: ratio("peak_rss_mb") } : {}) };
      const against = base ? `  vs baseline ${base.seconds} s, cpu ${base.cpu_ms_per_task_run} ms, ${base.peak_rss_mb} MB: ×${out.seconds_ratio} time, ×${out.cpu_ratio} cpu, ×${out.rss_ratio} rss` : "";
      console.log(opts.json ? JSON.stringify(out) : `foreach       limit ${row.concurrency} n ${String(row.n).padStart(6)} ${row.state.padEnd(8)} ${row.seconds} s  cpu ${row.cpu_ms_per_task_run} ms/task run  peak rss ${row.peak_rss_mb} MB${against}`);
    }
  });
  const code = await new Promise((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`bench/foreach-scale.js exited with ${code}`);
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
