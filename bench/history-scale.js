#!/usr/bin/env node
// Issue #18 item 4: history at scale. Seeds a fresh PostgreSQL and/or MariaDB database with
// N executions (two task runs each) and L log lines per execution straight in SQL
// (generate_series / MariaDB's seq_1_to_N: 1,000,000 executions and 10,000,000 lines take a
// few minutes), then, through the checkout's own repository — the SQL the API runs —, times:
//   - executions searches by namespace, flow, state, labels (common and rare), time range,
//     flow + state + time, unfiltered, a deep page by cursor and, for contrast, by offset
//   - one execution with its task runs; the logs of one execution
// each p50/p99 over --queries random arguments, with the EXPLAIN of the query the repository
// sent (captured by a drizzle logger swapped in for one call), so the index each plan uses is
// in the output. Then it purges the oldest --purge executions (the Purger, as the retention
// sweep runs it) while a hot-path loop saves executions, appends logs and reads them back,
// and gives the purge's rate and the hot path's p99 and worst latency while it ran.
//
//   node bench/history-scale.js [--executions 1000000] [--logs 10] [--db postgres,mysql]
//       [--queries 200] [--purge 100000] [--explain] [--json] [--roots /work/main,.] [--schema-per-root]
// --roots: the queries run through each built checkout's repository on the same seeded data,
// their samples interleaved, and a last line per query gives the ratios against the first root
// (the purge runs through the last root)
// --schema-per-root: for a change of schema (indexes), where one database would give every root
// the last root's: each root queries a database of its own, seeded alike by the first root's
// schema and then migrated by its own root (the migration timed on the seeded history); the
// samples still interleaved, each root's EXPLAIN printed, and the purge run through each root
// in turn on its own database
// needs FERRY_BENCH_POSTGRES_URL / FERRY_BENCH_MYSQL_URL (a fresh database is created and
// dropped per run); run `npm run build` first.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { seedHistory } from "./history-seed.js";
import { purgeUnderLoad } from "./history-purge.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    executions: { type: "string", default: "1000000" },
    logs: { type: "string", default: "10" },
    db: { type: "string", default: "postgres,mysql" },
    queries: { type: "string", default: "200" },
    purge: { type: "string", default: "100000" },
    explain: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    roots: { type: "string", default: "." },
    "schema-per-root": { type: "boolean", default: false },
  },
});
const N = Number(opts.executions);
const LOGS = Number(opts.logs);
const QUERIES = Number(opts.queries);
const PURGE = Math.min(Number(opts.purge), N);
const CASE_BUDGET_MS = 60_000;
const DBS = opts.db.split(",");
const URL_ENV = { postgres: "FERRY_BENCH_POSTGRES_URL", mysql: "FERRY_BENCH_MYSQL_URL" };
for (const db of DBS) {
  if (!URL_ENV[db]) throw new Error(`unknown --db '${db}' (postgres or mysql)`);
  if (!process.env[URL_ENV[db]]) throw new Error(`--db ${db} needs ${URL_ENV[db]}`);
}

const ROOTS = opts.roots.split(",").map((r) => resolve(ROOT, r));
const PER_ROOT = opts["schema-per-root"] && ROOTS.length > 1;
/** the 1-minute load average, written beside every figure (the box is shared) */
const load = () => Number(loadavg()[0].toFixed(1));
const dist = (path, root = ROOTS[ROOTS.length - 1]) => pathToFileURL(join(root, path)).href;
const pct = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1)) : null;
};
const out = (line) => console.log(opts.json ? JSON.stringify(line) : Object.entries(line).map(([k, v]) => `${k}=${v}`).join(" "));
const rand = (n) => Math.floor(Math.random() * n);

/** a fresh database per run on the server of `url`, with the bench's own connection to it (`run`, `client`); `drop` removes it */
async function freshDatabase(db, suffix = "") {
  const name = `ferry_bench_hist_${Date.now().toString(36)}${suffix}`;
  const url = new URL(process.env[URL_ENV[db]]);
  if (db === "postgres") {
    const { default: postgres } = await import("postgres");
    const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database "${name}"`);
    url.pathname = `/${name}`;
    const client = postgres(url.toString(), { max: 2, onnotice: () => {} });
    const run = (statement, params = []) => client.unsafe(statement, params);
    const drop = async () => (await client.end(), await admin.unsafe(`drop database if exists "${name}" with (force)`), await admin.end());
    return { url: url.toString(), client, run, drop };
  }
  const mysql = await import("mysql2/promise");
  const admin = await mysql.createConnection({ uri: url.toString() });
  await admin.query(`create database \`${name}\``);
  url.pathname = `/${name}`;
  const client = mysql.createPool({ uri: url.toString(), connectionLimit: 2 });
  const run = async (statement, params = []) => (await client.query(statement, params))[0];
  const drop = async () => (await client.end(), await admin.query(`drop database if exists \`${name}\``), await admin.end());
  return { url: url.toString(), client, run, drop };
}

/**
 * The repository as the Purger sees it, its batches recorded: how many, their sizes, and the
 * time between one batch's delete and the next one's find (a paced purge's pauses).
 */
function purgeBatches(repository) {
  const limits = [];
  let pausedMs = 0;
  let deleted;
  const wrapped = new Proxy(repository, {
    get(target, key) {
      if (key === "findEndedExecutions") return (query, limit) => ((pausedMs += deleted === undefined ? 0 : performance.now() - deleted), limits.push(limit), target.findEndedExecutions(query, limit));
      if (key === "purgeExecutions") return async (...args) => { const result = await target.purgeExecutions(...args); deleted = performance.now(); return result; };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const sizes = () => Object.entries(limits.reduce((n, l) => ((n[l] = (n[l] ?? 0) + 1), n), {})).map(([size, times]) => `${size}x${times}`).join(",");
  return { repository: wrapped, summary: () => ({ batches: limits.length, batch_sizes: sizes(), between_batches_s: Number((pausedMs / 1000).toFixed(1)) }) };
}

async function repositoryOf(db, url, root) {
  if (db === "postgres") {
    const { createPostgresRepository } = await import(dist("repository-backends/postgres/dist/index.js", root));
    return createPostgresRepository({ url });
  }
  const { createMysqlRepository } = await import(dist("repository-backends/mysql/dist/index.js", root));
  return createMysqlRepository({ url });
}

/**
 * Runs `fn` once with a drizzle logger in place of the repository's own drizzle instance and
 * returns the statements it sent: the very SQL the API runs, to EXPLAIN.
 */
async function capturedSql(db, repository, database, fn) {
  const captured = [];
  const logger = { logQuery: (query, params) => captured.push({ query, params }) };
  const saved = repository.database;
  if (db === "postgres") {
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const schema = await import(dist("repository-backends/postgres/dist/schema.js"));
    repository.database = drizzle(database.client, { schema, logger });
  } else {
    const { drizzle } = await import("drizzle-orm/mysql2");
    const schema = await import(dist("repository-backends/mysql/dist/schema.js"));
    repository.database = drizzle(database.client, { schema, mode: "default", logger });
  }
  try {
    await fn();
  } finally {
    repository.database = saved;
  }
  return captured;
}

async function explain(db, database, { query, params }) {
  const rows = await database.run(`explain ${query}`, params);
  if (db === "postgres") return rows.map((r) => r["QUERY PLAN"]).join("\n    ");
  return rows.map((r) => `${r.table ?? ""} type=${r.type} key=${r.key ?? "-"} rows=${r.rows} ${r.Extra ?? ""}`).join("\n    ");
}

/** the searches, each a function of a random draw over the seeded data (see history-seed.js) */
function searches(seeded) {
  const { namespaces, flows, dayMs, t0, n } = seeded;
  const iso = (ms) => new Date(ms).toISOString();
  const span = n * seeded.stepMs;
  const dayStart = () => t0 + rand(Math.max(1, Math.floor(span / dayMs) - 1)) * dayMs;
  const flow = () => {
    const f = rand(flows);
    return { namespace: `company.team${f % namespaces}`, flowId: `flow${f}` };
  };
  // as GET /executions/search asks: exact counts up to 1,000
  const page = { page: 1, size: 25, countUpTo: 1_000 };
  return {
    all: () => ({ ...page }),
    namespace: () => ({ ...page, namespace: `company.team${rand(namespaces)}` }),
    flow: () => ({ ...page, ...flow() }),
    state: () => ({ ...page, state: ["FAILED"] }),
    label_common: () => ({ ...page, labels: { env: rand(2) ? "prod" : "dev" } }),
    label_rare: () => ({ ...page, labels: { batch: `b${rand(1000)}` } }),
    time_range: () => {
      const from = dayStart();
      return { ...page, startedAfter: iso(from), endedBefore: iso(from + dayMs) };
    },
    flow_state_time: () => {
      const from = dayStart();
      return { ...page, ...flow(), state: ["FAILED", "WARNING"], startedAfter: iso(from), endedBefore: iso(from + 7 * dayMs) };
    },
    deep_cursor: () => {
      const i = 1 + rand(n);
      return { ...page, after: { created: iso(t0 + i * seeded.stepMs), id: seeded.idOf(i) } };
    },
    deep_offset: () => ({ ...page, page: 200 + rand(200) }),
  };
}

async function timeQueries(db, repositories, databases, seeded) {
  const lines = [];
  const casesOf = (r) => ({
    ...Object.fromEntries(Object.entries(searches(seeded)).map(([name, args]) => [name, (drawn) => r.searchExecutions(drawn)])),
    execution_with_task_runs: (drawn) => r.getExecution(drawn),
    logs_of_execution: (drawn) => r.findLogs(drawn),
  });
  const draws = { ...searches(seeded), execution_with_task_runs: () => seeded.idOf(1 + rand(seeded.n)), logs_of_execution: () => seeded.idOf(1 + rand(seeded.n)) };
  const cases = repositories.map(casesOf);
  for (const name of Object.keys(cases[0])) {
    for (const c of cases) await c[name](draws[name]()); // warm: plan cache, buffer pool
    const ms = cases.map(() => []);
    const rows = cases.map(() => 0);
    // a query that takes seconds (a full scan) stops after CASE_BUDGET_MS, with at least 5 samples;
    // with several roots each draw runs through each in turn, the first root first on even draws
    const started = performance.now();
    for (let q = 0; q < QUERIES && (q < 5 || performance.now() - started < CASE_BUDGET_MS); q++) {
      const drawn = draws[name]();
      const order = q % 2 ? [...cases.keys()].reverse() : [...cases.keys()];
      for (const i of order) {
        const t = performance.now();
        const result = await cases[i][name](drawn);
        ms[i].push(performance.now() - t);
        rows[i] += Array.isArray(result) ? result.length : result?.results?.length ?? (result ? 1 : 0);
      }
    }
    const perRoot = ms.map((m, i) => ({ scenario: "history-scale", db, executions: seeded.n, logs: seeded.logs, query: name, ...(ROOTS.length > 1 ? { root: ROOTS[i] } : {}), samples: m.length, p50_ms: pct(m, 50), p99_ms: pct(m, 99), max_ms: pct(m, 100), rows_per_query: Number((rows[i] / m.length).toFixed(1)) }));
    for (const line of perRoot) (lines.push(line), out(line));
    if (ROOTS.length > 1) {
      const [first, last] = [perRoot[0], perRoot[perRoot.length - 1]];
      const ratio = (a, b) => (a ? Number((b / a).toFixed(2)) : null);
      out({ scenario: "history-scale-ratio", db, query: name, p50_ratio: ratio(first.p50_ms, last.p50_ms), p99_ratio: ratio(first.p99_ms, last.p99_ms), max_ratio: ratio(first.max_ms, last.max_ms), load: load() });
    }
    // each root's plans where each has its own schema, else the last root's
    for (const i of opts.explain ? (PER_ROOT ? [...repositories.keys()] : [repositories.length - 1]) : []) {
      const repository = repositories[i];
      const database = databases[PER_ROOT ? i : 0];
      const run = () => casesOf(repository)[name](draws[name]());
      const statements = await capturedSql(db, repository, database, run);
      if (PER_ROOT) console.log(`  EXPLAIN through ${ROOTS[i]}:`);
      for (const statement of statements.filter((s) => /^select/i.test(s.query))) console.log(`  EXPLAIN ${statement.query.slice(0, 160)}…\n    ${await explain(db, database, statement)}`);
    }
  }
  return lines;
}

for (const db of DBS) {
  // one database for every root, or (--schema-per-root) one each
  const databases = [];
  for (let i = 0; i < (PER_ROOT ? ROOTS.length : 1); i++) databases.push(await freshDatabase(db, PER_ROOT ? `_${i}` : ""));
  const repositories = [];
  for (const [i, root] of ROOTS.entries()) repositories.push(await repositoryOf(db, databases[PER_ROOT ? i : 0].url, root));
  try {
    let seeded;
    for (const [d, database] of databases.entries()) {
      // the first root's migrations make the tables and the seed fills them; the other roots'
      // migrations then run on the seeded history (what upgrading a server with that history
      // costs), each timed
      const first = PER_ROOT && d > 0 ? await repositoryOf(db, database.url, ROOTS[0]) : repositories[0];
      await first.init();
      if (first !== repositories[0]) await first.close();
      seeded = await seedHistory(db, database.run, { n: N, logs: LOGS });
      out({ scenario: "history-seed", db, executions: N, task_runs: 2 * N, log_lines: LOGS * N, ...(PER_ROOT ? { root: ROOTS[d] } : {}), seed_s: seeded.seedS, analyze_s: seeded.analyzeS, load: load() });
      for (const [i, r] of repositories.entries()) {
        if (i === 0 || (PER_ROOT && i !== d)) continue;
        const t = performance.now();
        await r.init();
        out({ scenario: "history-migrate", db, executions: N, root: ROOTS[i], migrate_s: Number(((performance.now() - t) / 1000).toFixed(1)), load: load() });
      }
    }
    await timeQueries(db, repositories, databases, seeded);
    if (PURGE > 0) {
      // through the last root; with a database per root, through each in turn
      for (const i of PER_ROOT ? [...repositories.keys()] : [repositories.length - 1]) {
        const repository = repositories[i];
        const { Purger } = await import(dist("packages/engine/dist/index.js", ROOTS[i]));
        const database = databases[PER_ROOT ? i : 0];
        const batches = purgeBatches(repository);
        const result = await purgeUnderLoad(repository, new Purger(async () => batches.repository, undefined), seeded, PURGE, { db, run: database.run });
        out({ scenario: "history-purge", db, executions: N, root: ROOTS[i], ...batches.summary(), ...result, load: load() });
      }
    }
  } finally {
    for (const r of repositories) await r.close();
    for (const database of databases) await database.drop();
  }
}
