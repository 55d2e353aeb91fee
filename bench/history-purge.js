// The history bench's purge: removes the oldest `count` executions (with their task runs and
// logs) through the Purger, as the retention sweep does, while a hot-path loop runs beside it
// the way a live server writes: save a new execution, append its log lines, save it ended,
// read it back. The figure that matters is how long the hot path ever waited while the purge
// ran (the bound: 100 ms).

const HOT_LOGS = 5;
/** a hot-path operation over this is listed with what the sampler saw while it waited */
const SLOW_MS = 100;
const SAMPLE_EVERY_MS = 20;

/**
 * What a server's sessions wait on, sampled on the bench's own connection during the purge:
 * PostgreSQL's pg_stat_activity wait events (a lock names its blocker), InnoDB's lock waits
 * with the waiting and the blocking transaction's statement. `[]` when nobody waits.
 */
const WAITS = {
  postgres: `select pid, wait_event_type || ':' || wait_event as wait, pg_blocking_pids(pid) as blockers, left(query, 100) as query,
      round(extract(epoch from clock_timestamp() - state_change) * 1000) as ms
    from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
      and wait_event_type is not null and wait_event_type not in ('Client', 'Activity')`,
  mysql: `select r.trx_mysql_thread_id as pid, 'lock' as wait, left(r.trx_query, 100) as query, b.trx_mysql_thread_id as blocker, left(b.trx_query, 100) as blocker_query,
      b.trx_rows_locked as blocker_rows_locked, timestampdiff(microsecond, r.trx_wait_started, now(6)) div 1000 as ms
    from information_schema.innodb_lock_waits w
      join information_schema.innodb_trx r on r.trx_id = w.requesting_trx_id
      join information_schema.innodb_trx b on b.trx_id = w.blocking_trx_id`,
};
/**
 * Every session on the server (other databases too: other tests' DDL shares the server) busy
 * in one statement for 100 ms or more, with what it is doing; and InnoDB's pending I/O. A stall
 * with no lock wait shows here, or as the sampler's own round trip stalling with the hot path.
 */
const BUSY = {
  postgres: `select pid, datname as db, coalesce(wait_event_type || ':' || wait_event, 'cpu') as wait, state, left(query, 100) as query,
      round(extract(epoch from clock_timestamp() - query_start) * 1000) as ms
    from pg_stat_activity where pid <> pg_backend_pid() and state = 'active' and backend_type = 'client backend'
      and clock_timestamp() - query_start >= interval '100 milliseconds'`,
  mysql: `select id as pid, db, command, state as wait, left(info, 100) as query, round(time_ms) as ms
    from information_schema.processlist where id <> connection_id() and command not in ('Sleep', 'Daemon', 'Binlog Dump') and time_ms >= 100`,
};
const MYSQL_PENDING = "show global status where variable_name in ('Innodb_data_pending_fsyncs', 'Innodb_os_log_pending_fsyncs', 'Innodb_data_pending_writes', 'Innodb_data_pending_reads', 'Innodb_os_log_pending_writes')";
/**
 * InnoDB's redo checkpoint age against its limit, dirty pages and the undo history: when the age
 * nears the limit, every writer waits for pages to be flushed (a stall that is no lock wait)
 */
const MYSQL_REDO = "show global status where variable_name in ('Innodb_checkpoint_age', 'Innodb_checkpoint_max_age', 'Innodb_buffer_pool_pages_dirty', 'Innodb_history_list_length')";
const MYSQL_STATUS = "show global status where variable_name in ('Innodb_row_lock_waits', 'Innodb_row_lock_time', 'Innodb_row_lock_time_max', 'Innodb_buffer_pool_wait_free', 'Innodb_log_waits', 'Innodb_checkpoint_age', 'Innodb_deadlocks')";

const pct = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(1)) : null;
};

function hotExecution(i, state, now) {
  const date = new Date(now).toISOString();
  return {
    id: `hot${String(i).padStart(10, "0")}`,
    namespace: "company.hot",
    flowId: "hot",
    flowRevision: 1,
    state: { current: state, histories: [{ state, date }], startDate: date },
    labels: {},
    created: date,
    updated: date,
    version: state === "RUNNING" ? 0 : 1,
  };
}

/** one live execution's writes and read, each timed on its own */
async function hotRound(repository, i, timings, slow) {
  const timed = async (fn, name) => {
    const t = performance.now();
    await fn();
    const ms = performance.now() - t;
    timings.push(ms);
    if (slow && ms > SLOW_MS) slow.push({ op: name, from: t, to: t + ms, ms: Math.round(ms), ended: new Date().toISOString().slice(11, 23) });
  };
  const running = hotExecution(i, "RUNNING", Date.now());
  await timed(() => repository.saveExecution(running), "save RUNNING");
  const lines = Array.from({ length: HOT_LOGS }, (_, l) => ({
    executionId: running.id, namespace: running.namespace, flowId: running.flowId, level: "INFO", message: `hot line ${l}`, timestamp: new Date().toISOString(),
  }));
  await timed(() => repository.appendLogs(lines), "append logs");
  await timed(() => repository.saveExecution({ ...running, state: { ...running.state, current: "SUCCESS" }, version: 1 }), "save SUCCESS");
  await timed(() => repository.getExecution(running.id), "read");
}

/** the server's waits every SAMPLE_EVERY_MS until `stop()`; each sample stamped with performance.now() */
function sampleWaits(db, run) {
  const samples = [];
  let statusShots = 0;
  const series = [];
  let database;
  let sampling = true;
  const done = (async () => {
    database = (await run(db === "mysql" ? "select database() as name" : "select current_database() as name"))[0].name;
    while (sampling) {
      const at = performance.now();
      try {
        const [rows, busy, pending, redo] = await Promise.all([run(WAITS[db]), run(BUSY[db]), db === "mysql" ? run(MYSQL_PENDING) : [], db === "mysql" ? run(MYSQL_REDO) : []]);
        if (redo.length) series.push({ at, ...Object.fromEntries(redo.map((r) => [r.Variable_name.replace(/^Innodb_/, ""), Number(r.Value)])) });
        for (const row of rows) samples.push({ at, ...row });
        for (const row of busy) samples.push({ at, busy: true, ...row });
        // a hot-path statement (not the purge's) of this database busy 800 ms or more: what InnoDB's threads wait on (latches show under SEMAPHORES, not as lock waits)
        if (db === "mysql" && statusShots < 20 && busy.some((r) => r.db === database && r.ms >= 800 && !/^\s*delete|order by `updated`/i.test(r.query ?? ""))) {
          statusShots++;
          const [{ Status: text }] = await run("show engine innodb status");
          const section = (name) => text.match(new RegExp(`\\n${name}\\n-+\\n([\\s\\S]*?)-{4,}\\n`))?.[1]?.trim().slice(0, 1200);
          samples.push({ at, wait: "innodb status", semaphores: section("SEMAPHORES"), transactions: section("TRANSACTIONS")?.slice(0, 800) });
        }
        const io = Object.fromEntries(pending.filter((r) => Number(r.Value) > 0).map((r) => [r.Variable_name.replace(/^Innodb_/, ""), Number(r.Value)]));
        if (Object.keys(io).length) samples.push({ at, wait: "innodb pending I/O", ...io });
        // the sampler's own round trip: a server that stalls everyone stalls it too
        const took = performance.now() - at;
        if (took >= 100) samples.push({ at, wait: "sampler round trip", ms: Math.round(took) });
      } catch (error) {
        samples.push({ at, error: String(error?.message ?? error) });
      }
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  return { samples, series, stop: async () => ((sampling = false), await done) };
}

const redoOf = ({ at, ...r }) => ({ ...r, age_pct: Math.round((100 * r.checkpoint_age) / r.checkpoint_max_age) });
const redoAt = (series, t) => {
  const before = series.filter((r) => r.at <= t);
  return before.length ? redoOf(before[before.length - 1]) : undefined;
};

async function mysqlStatus(run) {
  return Object.fromEntries((await run(MYSQL_STATUS)).map((r) => [r.Variable_name, Number(r.Value)]));
}

export async function purgeUnderLoad(repository, purger, seeded, count, { db, run } = {}) {
  // executions end 5 s after they start: the count-th oldest ends at created(count) + 5 s
  const endedBefore = new Date(seeded.t0 + count * seeded.stepMs + 5000 + 1).toISOString();
  const idle = [];
  for (let i = 0; i < 200; i++) await hotRound(repository, i, idle);
  const during = [];
  const slow = [];
  let purging = true;
  const statusBefore = db === "mysql" ? await mysqlStatus(run) : undefined;
  const sampler = run ? sampleWaits(db, run) : undefined;
  const hot = (async () => {
    for (let i = 1_000; purging; i++) await hotRound(repository, i, during, slow);
  })();
  const t = performance.now();
  let counts;
  try {
    counts = await purger.executions({ endedBefore, executions: true, logs: true, metrics: true, storage: false });
  } finally {
    purging = false;
    await hot;
    await sampler?.stop();
  }
  const seconds = (performance.now() - t) / 1000;
  const statusAfter = statusBefore ? await mysqlStatus(run) : undefined;
  // each slow hot-path operation with the waits sampled while it ran (the waits of other sessions on the server too)
  const slowOps = slow.map((s) => ({ ...s, waits: (sampler?.samples ?? [])
    .filter((w) => w.at <= s.to && w.at + (w.wait === "sampler round trip" ? w.ms : 0) >= s.from - SAMPLE_EVERY_MS)
    // an operation held a second or more: everything seen meanwhile (InnoDB's status shots too); else the first 16
    .filter((w, i) => s.ms >= 1000 || i < 16)
    .map(({ at, ...w }) => ({ at_ms: Math.round(at - s.from), ...w })),
    // InnoDB's redo state at the last tick before the operation ended
    ...(sampler?.series.length ? { redo: redoAt(sampler.series, s.to) } : {}) }));
  const series = sampler?.series ?? [];
  const redoPeak = series.length ? series.reduce((a, b) => (b.checkpoint_age > a.checkpoint_age ? b : a)) : undefined;
  const waitKinds = {};
  for (const w of sampler?.samples ?? []) {
    const kind = `${w.busy ? "busy " : ""}${w.wait ?? w.error}`;
    waitKinds[kind] = (waitKinds[kind] ?? 0) + 1;
  }
  return {
    purged_executions: counts.executionsCount,
    purged_logs: counts.logsCount,
    purge_s: Number(seconds.toFixed(1)),
    purged_per_s: Math.round(counts.executionsCount / seconds),
    hot_idle_p99_ms: pct(idle, 99),
    hot_ops_during: during.length,
    hot_p99_ms: pct(during, 99),
    hot_max_ms: pct(during, 100),
    hot_over_100ms: during.filter((ms) => ms > 100).length,
    wait_samples: JSON.stringify(waitKinds),
    ...(redoPeak ? { redo_peak: JSON.stringify(redoOf(redoPeak)), redo_ticks_over_90pct: series.filter((r) => r.checkpoint_age > 0.9 * r.checkpoint_max_age).length, redo_ticks: series.length } : {}),
    ...(statusBefore ? { innodb: JSON.stringify(Object.fromEntries(Object.keys(statusAfter).map((k) => [k, /checkpoint_age|_max$/.test(k) ? statusAfter[k] : statusAfter[k] - statusBefore[k]]))) } : {}),
    slow_ops: JSON.stringify(slowOps.slice(0, 40)),
  };
}
