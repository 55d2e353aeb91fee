#!/usr/bin/env node
// Issue #18 item 5: a server with many flows deployed. Seeds N flows (a fifth of them with a
// Schedule, Webhook or Flow trigger) straight through the repository, then starts a real
// `ferry server local` on them and measures:
//   - ready_ms: spawn to /health answering; triggers_ms: spawn to a seeded webhook answering found
//   - webhook calls, one at a time: found (starts an execution), 404 (wrong key) and /health as
//     the HTTP floor, p50/p99 each; the lookup's share is 404 minus the floor
//   - idle CPU: the server's CPU time per second of wall time with nothing to do, which is what
//     keeping the trigger index fresh (and evaluating schedules) costs
//   - full_read_ms: reading every flow through the repository (what main's index did every 5 s);
//     poll_read_ms: one poll for what changed (what this index does every second)
//   - replica_ms: a webhook flow saved through another repository client (as another server
//     replica would) to its first found answer here
//   - server RSS at the end, and its peak (VmHWM)
// Each ferry checkout named by --roots runs in turn on the same machine in the same run, so the
// figures compare as a ratio (the box drifts by tens of per cent within minutes).
//
//   node bench/many-flows.js [--flows 10000] [--triggered 2000] [--db sqlite,postgres]
//       [--roots /work/main,.] [--duration 10] [--json]
// postgres needs FERRY_BENCH_POSTGRES_URL (a fresh database is created and dropped per run).
// FERRY_BENCH_NODE_ARGS adds node flags to the server (--cpu-prof --cpu-prof-dir=DIR).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    flows: { type: "string", default: "10000" },
    triggered: { type: "string", default: "2000" },
    db: { type: "string", default: "sqlite" },
    roots: { type: "string", default: HERE },
    duration: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
const FLOWS = Number(opts.flows);
const TRIGGERED = Number(opts.triggered);
const DURATION_MS = Number(opts.duration) * 1000;
const ROOTS = opts.roots.split(",").map((r) => resolve(r));
const DBS = opts.db.split(",");
for (const db of DBS) if (!["sqlite", "postgres"].includes(db)) throw new Error(`unknown --db '${db}' (sqlite or postgres)`);
if (DBS.includes("postgres") && !process.env.FERRY_BENCH_POSTGRES_URL) throw new Error("--db postgres needs FERRY_BENCH_POSTGRES_URL");
if (!(TRIGGERED <= FLOWS)) throw new Error("--triggered is at most --flows");

const NS = "bench.many";
const HEADER = (i) => `id: f${i}\nnamespace: ${NS}.team${i % 50}\ntasks:\n  - id: ret\n    type: io.kestra.plugin.core.debug.Return\n    format: "flow ${i}"\n`;
/** flow i: one in three triggered flows has a webhook, one a schedule (yearly: evaluated every second, never firing), one a Flow trigger */
function flowSource(i) {
  if (i >= TRIGGERED) return HEADER(i);
  const kind = i % 3;
  if (kind === 0) return `${HEADER(i)}triggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: key${i}\n`;
  if (kind === 1) return `${HEADER(i)}triggers:\n  - id: yearly\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "0 0 1 1 *"\n`;
  return `${HEADER(i)}triggers:\n  - id: after\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      flows:\n        - { namespace: ${NS}.upstream, flowId: never${i}, states: [SUCCESS] }\n`;
}
const namespaceOf = (i) => `${NS}.team${i % 50}`;
const webhookFlows = Array.from({ length: TRIGGERED }, (_, i) => i).filter((i) => i % 3 === 0);

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

function status(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}
/** user + system CPU time of a process, in ms */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100/s)
}

/** the repository package of a checkout, so each ferry seeds with its own schema and migrations */
async function repositoryOf(root, db, dir, url) {
  if (db === "sqlite") {
    const { createSqliteRepository } = await import(pathToFileURL(join(root, "repository-backends/sqlite/dist/index.js")).href);
    return createSqliteRepository({ path: "./.ferry/ferry.db" }, dir);
  }
  const { createPostgresRepository } = await import(pathToFileURL(join(root, "repository-backends/postgres/dist/index.js")).href);
  return createPostgresRepository({ url });
}

async function freshPostgres() {
  const { default: postgres } = await import("postgres");
  const admin = postgres(process.env.FERRY_BENCH_POSTGRES_URL, { max: 1, onnotice: () => {} });
  const name = `ferry_bench_many_${Date.now().toString(36)}`;
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(process.env.FERRY_BENCH_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => (await admin.unsafe(`drop database if exists "${name}" with (force)`), await admin.end()) };
}

/** saves every flow, a few at a time (each save is its own transaction, as a deploy makes it) */
async function seed(repository) {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < FLOWS) {
      const i = next++;
      await repository.saveFlow({ namespace: namespaceOf(i), id: `f${i}`, source: flowSource(i) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return performance.now() - t0;
}

const pct = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2)) : null;
};

async function timed(url, init) {
  const t0 = performance.now();
  const r = await fetch(url, init);
  await r.arrayBuffer();
  return { ms: performance.now() - t0, status: r.status };
}

/** median of 5: reading every flow as main's index did, and (when the repository has it) one poll for changes */
async function timeRefresh(repository) {
  const median = async (fn) => {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    return Number(times.sort((a, b) => a - b)[2].toFixed(1));
  };
  const fullMs = await median(async () => {
    for (let page = 1; ; page++) if ((await repository.searchFlows({ page, size: 500 })).results.length < 500) break;
  });
  const pollMs = repository.listFlowChanges
    ? await median(() => Promise.all([repository.listFlowChanges(new Date(Date.now() - 6000).toISOString()), repository.listTriggerStates({ updatedAfter: new Date(Date.now() - 6000).toISOString() })]))
    : null;
  return { fullMs, pollMs };
}

async function runOnce(root, db) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-many-"));
  const database = db === "postgres" ? await freshPostgres() : undefined;
  const repository = await repositoryOf(root, db, dir, database?.url);
  await repository.init();
  const seedMs = await seed(repository);
  const port = await freePort();
  if (database) writeFileSync(join(dir, "ferry.yaml"), `repository: { type: postgres, url: "${database.url}" }\n`);
  const env = { ...process.env, FERRY_SERVER__PORT: String(port), FERRY_LOGGING__LEVEL: "warn" };
  const nodeArgs = process.env.FERRY_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, join(root, "apps/cli/bin/ferry.js"), "server", "local"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const hook = (i, key = `key${i}`) => `${url}/api/v1/executions/webhook/${namespaceOf(i)}/f${i}/${key}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 6000) throw new Error("the server did not start in 60 s");
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const readyMs = performance.now() - started;
    const first = await timed(hook(webhookFlows[webhookFlows.length - 1]), { method: "POST" });
    if (first.status !== 200) throw new Error(`the first webhook answered ${first.status}`);
    const triggersMs = performance.now() - started;

    // one call at a time, round robin over found / 404 / health, for the duration
    const found = [], missing = [], floor = [];
    let errors = 0;
    const t0 = performance.now();
    for (let n = 0; performance.now() - t0 < DURATION_MS; n++) {
      const i = webhookFlows[n % webhookFlows.length];
      const a = await timed(hook(i), { method: "POST" });
      const b = await timed(hook(i, "wrong"), { method: "POST" });
      const c = await timed(`${url}/health`);
      if (a.status !== 200 || b.status !== 404 || c.status !== 200) errors++;
      found.push(a.ms), missing.push(b.ms), floor.push(c.ms);
    }

    // idle: what the index and the scheduler cost with nothing to do (executions above have ended by now)
    await new Promise((r) => setTimeout(r, 2000));
    const cpu0 = cpuMs(child.pid), w0 = performance.now();
    await new Promise((r) => setTimeout(r, DURATION_MS));
    const idleCpu = (cpuMs(child.pid) - cpu0) / ((performance.now() - w0) / 1000);

    // what one refresh of the index reads, timed through the repository: main's read every flow
    // (searchFlows pages of 500, every 5 s); a poll reads what changed in the last seconds (every 1 s)
    const refresh = await timeRefresh(repository);

    // a webhook flow saved as another replica saves it: through its own repository client
    const i = FLOWS;
    await repository.saveFlow({ namespace: namespaceOf(i), id: `f${i}`, source: `${HEADER(i)}triggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: key${i}\n` });
    const saved = performance.now();
    let replicaMs;
    for (;;) {
      if ((await timed(hook(i), { method: "POST" })).status === 200) {
        replicaMs = performance.now() - saved;
        break;
      }
      if (performance.now() - saved > 60_000) throw new Error("a flow saved through another client never showed up");
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      scenario: "many-flows", root, db, flows: FLOWS, triggered: TRIGGERED, seed_s: Number((seedMs / 1000).toFixed(1)),
      ready_ms: Math.round(readyMs), triggers_ms: Math.round(triggersMs),
      webhook_found_p50_ms: pct(found, 50), webhook_found_p99_ms: pct(found, 99),
      webhook_404_p50_ms: pct(missing, 50), webhook_404_p99_ms: pct(missing, 99),
      health_p50_ms: pct(floor, 50), health_p99_ms: pct(floor, 99), lookup_share_p50_ms: Number((pct(missing, 50) - pct(floor, 50)).toFixed(2)), calls: found.length * 3, errors,
      idle_cpu_ms_per_s: Math.round(idleCpu), full_read_ms: refresh.fullMs, poll_read_ms: refresh.pollMs, replica_ms: Math.round(replicaMs),
      rss_mb: status(child.pid, "VmRSS"), peak_rss_mb: status(child.pid, "VmHWM"),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    children.delete(child);
    await repository.close?.();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const db of DBS) {
  for (const root of ROOTS) {
    const row = await runOnce(root, db);
    if (opts.json) console.log(JSON.stringify(row));
    else {
      console.log(
        `${db.padEnd(8)} ${root}: ${FLOWS} flows (${TRIGGERED} triggered, seeded in ${row.seed_s} s)  ready ${row.ready_ms} ms  triggers ${row.triggers_ms} ms  ` +
          `webhook found p50 ${row.webhook_found_p50_ms} / p99 ${row.webhook_found_p99_ms} ms  404 p50 ${row.webhook_404_p50_ms} / p99 ${row.webhook_404_p99_ms} ms  ` +
          `health p50 ${row.health_p50_ms} / p99 ${row.health_p99_ms} ms (lookup ${row.lookup_share_p50_ms} ms)  errors ${row.errors}/${row.calls}  idle cpu ${row.idle_cpu_ms_per_s} ms/s  ` +
          `read all ${row.full_read_ms} ms, poll ${row.poll_read_ms ?? "-"} ms  replica ${row.replica_ms} ms  rss ${row.rss_mb} MB (peak ${row.peak_rss_mb})`,
      );
    }
  }
}
