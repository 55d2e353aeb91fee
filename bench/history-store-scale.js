#!/usr/bin/env node
// Issue #21 (#18 part 4 on the history store): seeds a fresh PostgreSQL history database (the
// `postgres` history backend's own layout: partitioned by day, full-text index on log lines)
// with N executions and L log lines each straight in SQL (generate_series, one statement per
// chunk), then times the queries the API sends the history store, through the store itself:
//   executions by namespace, flow, state, a rare label, a time range, unfiltered, a deep page
//   by cursor; one execution; one execution's logs; full-text log search (a common word, a rare
//   one, one namespace); counts per state per day over a month
// each p50/p99 over --queries random arguments, and the EXPLAIN of the statement the store sent
// (captured by postgres.js's debug hook) run under EXPLAIN (ANALYZE, BUFFERS) with --explain:
// the plan with its per-day partitions folded, then one summary line per statement (planning
// and execution time, the partitions the plan names and those it never executed, the buffers
// of the top node). Seeding prints its time per chunk, and every phase the load average.
//
//   node bench/history-store-scale.js [--executions 1000000] [--logs 10] [--queries 100] [--explain]
// needs FERRY_BENCH_POSTGRES_URL (a fresh database is created and dropped; --keep keeps it, --database NAME reuses one); `npm run build` first.
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { inOwnAutogroup } from "./priority.js";

// at a negative nice, the bench runs in a session of its own to get that priority (bench/priority.js)
const relaunched = inOwnAutogroup();
if (relaunched) process.exit(await relaunched);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    executions: { type: "string", default: "1000000" },
    logs: { type: "string", default: "10" },
    queries: { type: "string", default: "100" },
    explain: { type: "boolean", default: false },
    // keep the seeded database (its name is printed) and reuse it with --database: plans can be studied without seeding again
    keep: { type: "boolean", default: false },
    database: { type: "string" },
  },
});
let N = Number(opts.executions);
const LOGS = Number(opts.logs);
const QUERIES = Number(opts.queries);
const BASE = process.env.FERRY_BENCH_POSTGRES_URL;
if (!BASE) throw new Error("needs FERRY_BENCH_POSTGRES_URL");

const NAMESPACES = 20;
const FLOWS = 200;
const DAY_MS = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const SPAN_DAYS = 60;
const STEP_MS = Math.floor((SPAN_DAYS * DAY_MS) / N);
const CHUNK = 50_000;
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
const rand = (n) => Math.floor(Math.random() * n);
const pct = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1));
};

/**
 * An EXPLAIN ANALYZE's lines with the per-day partitions folded: a step (of up to 4 lines)
 * repeated per partition is shown once, with its first partition's figures and the count.
 * Lines compare without their figures (costs, times, rows), which differ per partition.
 */
function compact(lines) {
  const shown = lines.map((l) => l.replace(/_p\d{8}/g, "_pDAY").replace(/\b(executions|logs)_\d+\b/g, "$1_N").replace(/\s*\(cost=[^)]*\)/, ""));
  const key = shown.map((l) => l.replace(/\(actual[^)]*\)|\(never executed\)/g, "").replace(/\d+/g, "N"));
  const out = [];
  for (let i = 0; i < key.length; ) {
    let folded = false;
    for (let k = 1; k <= 4 && !folded; k++) {
      const block = key.slice(i, i + k).join("\n");
      let n = 1;
      while (key.slice(i + n * k, i + (n + 1) * k).join("\n") === block) n++;
      if (n > 1) {
        out.push(...shown.slice(i, i + k - 1), `${shown[i + k - 1]}  [x${n} partitions]`);
        i += n * k;
        folded = true;
      }
    }
    if (!folded) out.push(shown[i++]);
  }
  return out;
}

/** one line: planning and execution time, partitions named and never executed, the top node's buffers */
function summary(lines) {
  const time = (what) => lines.find((l) => l.startsWith(`${what} Time:`))?.replace(/^.*: /, "") ?? "?";
  const scans = lines.filter((l) => /_p\d{8}/.test(l) && /Scan/.test(l));
  const never = scans.filter((l) => l.includes("never executed")).length;
  const buffers = lines.find((l) => /^\s*Buffers:/.test(l))?.trim() ?? "Buffers: none";
  const planningBuffers = lines.findIndex((l) => l.startsWith("Planning:"));
  const planBuf = planningBuffers >= 0 && /Buffers/.test(lines[planningBuffers + 1] ?? "") ? `, planning ${lines[planningBuffers + 1].trim()}` : "";
  return `planning ${time("Planning")}, execution ${time("Execution")}; partition scan nodes ${scans.length} (${never} never executed); ${buffers}${planBuf}`;
}

const { PostgresHistoryStore } = await import(pathToFileURL(join(ROOT, "history-backends/postgres/dist/index.js")).href);
const name = opts.database ?? `ferry_bench_hstore_${Date.now().toString(36)}`;
const admin = postgres(BASE, { max: 1, onnotice: () => {} });
if (!opts.database) await admin.unsafe(`create database "${name}"`);
const url = new URL(BASE);
url.pathname = `/${name}`;
const store = new PostgresHistoryStore({ url: url.toString(), poolSize: 4 });
const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
try {
  await store.init();
  if (!opts.database) await seed();
  // a reused database holds its own count
  else N = Number((await sql`select count(*) as n from execution_days`)[0].n);
  async function seed() {
    // straight into the live generation's tables (searches read them through views in public),
    // one partition per seeded day, as the exporter's writes make them
    const [{ live }] = await sql`select live from history_generations where id = 1`;
    const seeding = postgres(url.toString(), { max: 1, onnotice: () => {}, connection: { search_path: live } });
    for (let d = 0; d <= SPAN_DAYS + 1; d++) {
      const [from, to] = [T0 + d * DAY_MS, T0 + (d + 1) * DAY_MS].map((t) => new Date(t).toISOString());
      const day = from.slice(0, 10).replaceAll("-", "");
      for (const table of ["executions", "logs"]) await seeding.unsafe(`create table if not exists ${table}_p${day} partition of ${table} for values from ('${from}') to ('${to}')`);
    }

    // execution i: created T0 + i·step; namespace company.team{f % 20}, flow flow{f}, f = i % 200;
    // 90 % SUCCESS, 7 % FAILED, 2 % WARNING, 1 % KILLED; labels env (half), batch b{i % 1000} (0.1 %)
    const seedStarted = Date.now();
    for (let from = 1; from <= N; from += CHUNK) {
      if (from > 1) console.log(`  seeded ${from - 1} executions in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s (load ${load()})`);
      const to = Math.min(N, from + CHUNK - 1);
      const at = (ms) => `(timestamptz '2026-01-01T00:00:00Z' + (i::bigint * ${STEP_MS} + ${ms}) * interval '1 millisecond')`;
      const iso = (ms) => `to_char(${at(ms)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
      const id = `lpad(to_hex(i), 12, '0') || '-seed'`;
      const state = `(case when i % 100 < 90 then 'SUCCESS' when i % 100 < 97 then 'FAILED' when i % 100 < 99 then 'WARNING' else 'KILLED' end)`;
      const ns = `'company.team' || ((i % ${FLOWS}) % ${NAMESPACES})`;
      await seeding.unsafe(`
        insert into executions (id, created, updated, namespace, flow_id, state, labels, version, record, task_runs)
        select ${id}, ${at(0)}, ${at(5000)}, ${ns}, 'flow' || (i % ${FLOWS}), ${state}, labels, 3,
          jsonb_build_object('id', ${id}, 'namespace', ${ns}, 'flowId', 'flow' || (i % ${FLOWS}), 'flowRevision', 1, 'labels', labels,
            'state', jsonb_build_object('current', ${state}, 'histories', jsonb_build_array(), 'startDate', ${iso(0)}, 'endDate', ${iso(5000)}),
            'created', ${iso(0)}, 'updated', ${iso(5000)}, 'version', 3),
          jsonb_build_array(jsonb_build_object('id', ${id} || '-t1', 'executionId', ${id}, 'taskId', 'task1'), jsonb_build_object('id', ${id} || '-t2', 'executionId', ${id}, 'taskId', 'task2'))
        from generate_series(${from}, ${to}) as i,
          lateral (select jsonb_build_object('env', case when i % 2 = 0 then 'prod' else 'dev' end, 'batch', 'b' || (i % 1000)) as labels) l`);
      await seeding.unsafe(`
        insert into logs (seq, timestamp, execution_id, namespace, flow_id, task_id, task_run_id, attempt_number, level, level_rank, message)
        select (i::bigint - 1) * ${LOGS} + l, ${at(0)} + l * interval '1 millisecond', ${id}, ${ns}, 'flow' || (i % ${FLOWS}), 'task' || (1 + l % 2), ${id} || '-t' || (1 + l % 2), 1,
          case when l = ${LOGS} and i % 100 >= 90 then 'ERROR' else 'INFO' end, case when l = ${LOGS} and i % 100 >= 90 then 4 else 2 end,
          'line ' || l || ' of run ' || i || ': processed ' || (i * 7 + l) % 9973 || ' records' || case when i % 10000 = 7 then ' checksum mismatch' else '' end
        from generate_series(${from}, ${to}) as i, generate_series(1, ${LOGS}) as l`);
    }
    // the day of each execution, as the store's writes record it
    await seeding.unsafe("insert into execution_days (id, created) select id, created from executions");
    await seeding.unsafe("analyze executions; analyze logs; analyze execution_days");
    await seeding.end();
    console.log(`seeded database=${name} executions=${N} logs=${N * LOGS} seconds=${((Date.now() - seedStarted) / 1000).toFixed(0)} (load ${load()})`);
  }

  const iso = (ms) => new Date(ms).toISOString();
  const execId = () => `${(1 + rand(N)).toString(16).padStart(12, "0")}-seed`;
  const day = () => T0 + rand(SPAN_DAYS - 1) * DAY_MS;
  const page = { size: 25, countUpTo: 1000 };
  // a cursor 100 pages deep (keyset: the id of the last execution of the page before)
  const deep = (await store.searchExecutions({ size: 2500 })).results.at(-1).id;
  const cases = {
    "executions: unfiltered": () => store.searchExecutions({ ...page }),
    "executions: namespace": () => store.searchExecutions({ ...page, namespace: `company.team${rand(NAMESPACES)}` }),
    "executions: namespace + flow": () => { const f = rand(FLOWS); return store.searchExecutions({ ...page, namespace: `company.team${f % NAMESPACES}`, flowId: `flow${f}` }); },
    "executions: state FAILED": () => store.searchExecutions({ ...page, state: ["FAILED"] }),
    "executions: label 0.1 %": () => store.searchExecutions({ ...page, labels: { batch: `b${rand(1000)}` } }),
    "executions: one day": () => { const d = day(); return store.searchExecutions({ ...page, startedAfter: iso(d), endedBefore: iso(d + DAY_MS) }); },
    "executions: 100 pages deep (cursor)": () => store.searchExecutions({ ...page, after: deep }),
    "one execution": () => store.getExecution(execId()),
    "one execution's logs": () => store.findLogs(execId()),
    "log search: common words": () => store.searchLogs({ ...page, q: "processed records" }),
    "log search: rare word (0.01 % of runs)": () => store.searchLogs({ ...page, q: "checksum mismatch" }),
    "log search: word + namespace + ERROR": () => store.searchLogs({ ...page, q: "records", namespace: `company.team${rand(NAMESPACES)}`, minLevel: "ERROR" }),
    "counts per state per day, a month": () => { const d = day(); return store.countStates({ from: iso(d), to: iso(d + 30 * DAY_MS), groupBy: "day" }); },
  };
  for (const [label, run] of Object.entries(cases)) {
    await run();
    const times = [];
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    console.log(`${label}: p50=${pct(times, 50)} p99=${pct(times, 99)} ms (${QUERIES} queries, load ${load()})`);
    if (opts.explain) {
      const sent = [];
      const traced = postgres(url.toString(), { max: 1, onnotice: () => {}, debug: (_c, query, params) => sent.push({ query, params }) });
      const own = store.client;
      store.client = traced;
      await run();
      store.client = own;
      await traced.end();
      // the store's statements (not postgres.js's own type lookup, nor the estimate's explain)
      for (const { query, params } of sent.filter((s) => /^\s*select/i.test(s.query) && !/pg_type|^\s*select 1\b|explain/i.test(s.query))) {
        const plan = (await sql.unsafe(`explain (analyze, buffers) ${query}`, params)).map((r) => r["QUERY PLAN"]);
        console.log(`    ${compact(plan).join("\n    ")}`);
        console.log(`    => ${summary(plan)}`);
      }
    }
  }
} finally {
  await store.close();
  await sql.end();
  if (!opts.keep && !opts.database) await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
