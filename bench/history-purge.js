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
    if (slow && ms > SLOW_MS) slow.push({ op: name, from: t, to: t + ms, ms: Math.round(ms) });
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
  let sampling = true;
  const done = (async () => {
    while (sampling) {
      const at = performance.now();
      try {
        const rows = await run(WAITS[db]);
        for (const row of rows) samples.push({ at, ...row });
      } catch (error) {
        samples.push({ at, error: String(error?.message ?? error) });
      }
      await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
    }
  })();
  return { samples, stop: async () => ((sampling = false), await done) };
}

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
  const slowOps = slow.map((s) => ({ ...s, waits: (sampler?.samples ?? []).filter((w) => w.at >= s.from - SAMPLE_EVERY_MS && w.at <= s.to).map(({ at, ...w }) => ({ at_ms: Math.round(at - s.from), ...w })) }));
  const waitKinds = {};
  for (const w of sampler?.samples ?? []) waitKinds[w.wait ?? w.error] = (waitKinds[w.wait ?? w.error] ?? 0) + 1;
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
    ...(statusBefore ? { innodb: JSON.stringify(Object.fromEntries(Object.keys(statusAfter).map((k) => [k, /checkpoint_age|_max$/.test(k) ? statusAfter[k] : statusAfter[k] - statusBefore[k]]))) } : {}),
    slow_ops: JSON.stringify(slowOps.slice(0, 40)),
  };
}
