// Seeds the history bench's database in SQL, in chunks (one statement per chunk, so neither
// server holds millions of rows in one transaction's undo). Execution i (1-based):
//   id        h0000000042-seed-…: sorts as i does, like the UUIDv7 ids Ferry makes
//   created   T0 + i·step (N executions spread over 60 days), updated 5 s later (its end)
//   namespace company.team{f % 20}, flow flow{f} with f = i % 200
//   state     90 % SUCCESS, 7 % FAILED, 2 % WARNING, 1 % KILLED (all ended: purgeable)
//   labels    env prod|dev (half each), team t{i % 50}, batch b{i % 1000} (rare: 0.1 %)
// with two task runs and `logs` log lines each.

const NAMESPACES = 20;
const FLOWS = 200;
const DAY_MS = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const SPAN_MS = 60 * DAY_MS;
const CHUNK = 100_000;

const idOf = (i) => `h${String(i).padStart(10, "0")}-seed`;

function postgresStatements(from, to, stepMs, logs) {
  const series = `generate_series(${from}, ${to}) as i`;
  const at = (offsetMs) => `to_char(timestamp '2026-01-01' + (i::bigint * ${stepMs} + ${offsetMs}) * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const state = `(case when i % 100 < 90 then 'SUCCESS' when i % 100 < 97 then 'FAILED' when i % 100 < 99 then 'WARNING' else 'KILLED' end)`;
  const stateRecord = (s) => `jsonb_build_object('current', ${s}, 'histories', jsonb_build_array(jsonb_build_object('state', 'CREATED', 'date', ${at(0)}), jsonb_build_object('state', ${s}, 'date', ${at(5000)})), 'startDate', ${at(0)}, 'endDate', ${at(5000)}, 'duration', 'PT5S')`;
  const id = `'h' || lpad(i::text, 10, '0') || '-seed'`;
  return [
    `insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version)
     select ${id}, 'company.team' || ((i % ${FLOWS}) % ${NAMESPACES}), 'flow' || (i % ${FLOWS}), 1, ${state}, ${stateRecord(state)},
       jsonb_build_object('env', case when i % 2 = 0 then 'prod' else 'dev' end, 'team', 't' || (i % 50), 'batch', 'b' || (i % 1000)),
       ${at(0)}, ${at(5000)}, 3
     from ${series}`,
    `insert into task_runs (id, execution_id, task_id, state, state_record, attempts)
     select ${id} || '-t' || k, ${id}, 'task' || k, 'SUCCESS', ${stateRecord("'SUCCESS'")}, jsonb_build_array(jsonb_build_object('state', ${stateRecord("'SUCCESS'")}))
     from ${series}, generate_series(1, 2) as k`,
    `insert into logs (execution_id, namespace, flow_id, task_id, task_run_id, attempt_number, level, level_rank, message, timestamp)
     select ${id}, 'company.team' || ((i % ${FLOWS}) % ${NAMESPACES}), 'flow' || (i % ${FLOWS}), 'task' || (1 + l % 2), ${id} || '-t' || (1 + l % 2), 0,
       'INFO', 2, 'line ' || l || ' of execution ' || i || ': processed ' || (i * 7 + l) % 9973 || ' records', ${at(0)}
     from ${series}, generate_series(1, ${logs}) as l`,
  ];
}

function mysqlStatements(from, to, stepMs, logs, labelsWalk) {
  const series = `seq_${from}_to_${to} s`;
  const i = "s.seq";
  const at = (offsetMs) => `date_format(timestamp'2026-01-01 00:00:00' + interval (${i} * ${stepMs} + ${offsetMs}) * 1000 microsecond, '%Y-%m-%dT%H:%i:%s.%fZ')`;
  // %f is microseconds (6 digits): Ferry writes milliseconds (3), so trim the last three
  const iso = (offsetMs) => `concat(left(${at(offsetMs)}, 23), 'Z')`;
  const state = `(case when ${i} % 100 < 90 then 'SUCCESS' when ${i} % 100 < 97 then 'FAILED' when ${i} % 100 < 99 then 'WARNING' else 'KILLED' end)`;
  const stateRecord = (s) => `json_object('current', ${s}, 'histories', json_array(json_object('state', 'CREATED', 'date', ${iso(0)}), json_object('state', ${s}, 'date', ${iso(5000)})), 'startDate', ${iso(0)}, 'endDate', ${iso(5000)}, 'duration', 'PT5S')`;
  const id = `concat('h', lpad(${i}, 10, '0'), '-seed')`;
  return [
    `insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version)
     select ${id}, concat('company.team', (${i} % ${FLOWS}) % ${NAMESPACES}), concat('flow', ${i} % ${FLOWS}), 1, ${state}, ${stateRecord(state)},
       json_object('env', if(${i} % 2 = 0, 'prod', 'dev'), 'team', concat('t', ${i} % 50), 'batch', concat('b', ${i} % 1000)),
       ${iso(0)}, ${iso(5000)}, 3
     from ${series}`,
    `insert into task_runs (id, execution_id, task_id, state, state_record, attempts)
     select concat(${id}, '-t', k.seq), ${id}, concat('task', k.seq), 'SUCCESS', ${stateRecord("'SUCCESS'")}, json_array(json_object('state', ${stateRecord("'SUCCESS'")}))
     from ${series} join seq_1_to_2 k`,
    // MySQL's label index (execution_labels), as the repository's saves keep it
    // (with its execution's created where the schema has it: migration 0015, execution_labels_walk)
    `insert into execution_labels (execution_id, label_key, label_value${labelsWalk ? ", created" : ""})
     select ${id}, 'env', if(${i} % 2 = 0, 'prod', 'dev')${labelsWalk ? `, ${iso(0)}` : ""} from ${series}
     union all select ${id}, 'team', concat('t', ${i} % 50)${labelsWalk ? `, ${iso(0)}` : ""} from ${series}
     union all select ${id}, 'batch', concat('b', ${i} % 1000)${labelsWalk ? `, ${iso(0)}` : ""} from ${series}`,
    `insert into logs (execution_id, namespace, flow_id, task_id, task_run_id, attempt_number, level, level_rank, message, timestamp)
     select ${id}, concat('company.team', (${i} % ${FLOWS}) % ${NAMESPACES}), concat('flow', ${i} % ${FLOWS}), concat('task', 1 + l.seq % 2), concat(${id}, '-t', 1 + l.seq % 2), 0,
       'INFO', 2, concat('line ', l.seq, ' of execution ', ${i}, ': processed ', (${i} * 7 + l.seq) % 9973, ' records'), ${iso(0)}
     from ${series} join seq_1_to_${logs} l`,
  ];
}

/** seeds through `run` (a statement on the bench's connection); returns what the queries draw their arguments from */
export async function seedHistory(db, run, { n, logs }) {
  const stepMs = Math.floor(SPAN_MS / n);
  const labelsWalk = db === "mysql" && (await run("select 1 from information_schema.columns where table_schema = database() and table_name = 'execution_labels' and column_name = 'created'")).length > 0;
  const t = performance.now();
  for (let from = 1; from <= n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK - 1);
    for (const statement of (db === "postgres" ? postgresStatements : mysqlStatements)(from, to, stepMs, logs, labelsWalk)) await run(statement);
  }
  const seedS = Number(((performance.now() - t) / 1000).toFixed(1));
  const a = performance.now();
  // fresh statistics, as autovacuum (PostgreSQL) or the persistent stats (InnoDB) would gather soon after;
  // PostgreSQL's executions vacuumed too, as autovacuum does a table that took this many inserts: its
  // visibility map is what lets a count read an index alone (an index-only scan), as on a live server
  for (const table of ["executions", "task_runs", "logs", ...(db === "postgres" ? [] : ["execution_labels"])]) {
    await run(db === "postgres" ? `${table === "executions" ? "vacuum (analyze)" : "analyze"} ${table}` : `analyze table ${table}`);
  }
  const analyzeS = Number(((performance.now() - a) / 1000).toFixed(1));
  return { n, logs, stepMs, t0: T0, dayMs: DAY_MS, namespaces: NAMESPACES, flows: FLOWS, idOf, seedS, analyzeS };
}
