// The history bench's purge: removes the oldest `count` executions (with their task runs and
// logs) through the Purger, as the retention sweep does, while a hot-path loop runs beside it
// the way a live server writes: save a new execution, append its log lines, save it ended,
// read it back. The figure that matters is how long the hot path ever waited while the purge
// ran (the bound: 100 ms).

const HOT_LOGS = 5;

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
async function hotRound(repository, i, timings) {
  const timed = async (fn) => {
    const t = performance.now();
    await fn();
    timings.push(performance.now() - t);
  };
  const running = hotExecution(i, "RUNNING", Date.now());
  await timed(() => repository.saveExecution(running));
  const lines = Array.from({ length: HOT_LOGS }, (_, l) => ({
    executionId: running.id, namespace: running.namespace, flowId: running.flowId, level: "INFO", message: `hot line ${l}`, timestamp: new Date().toISOString(),
  }));
  await timed(() => repository.appendLogs(lines));
  await timed(() => repository.saveExecution({ ...running, state: { ...running.state, current: "SUCCESS" }, version: 1 }));
  await timed(() => repository.getExecution(running.id));
}

export async function purgeUnderLoad(repository, purger, seeded, count) {
  // executions end 5 s after they start: the count-th oldest ends at created(count) + 5 s
  const endedBefore = new Date(seeded.t0 + count * seeded.stepMs + 5000 + 1).toISOString();
  const idle = [];
  for (let i = 0; i < 200; i++) await hotRound(repository, i, idle);
  const during = [];
  let purging = true;
  const hot = (async () => {
    for (let i = 1_000; purging; i++) await hotRound(repository, i, during);
  })();
  const t = performance.now();
  let counts;
  try {
    counts = await purger.executions({ endedBefore, executions: true, logs: true, metrics: true, storage: false });
  } finally {
    purging = false;
    await hot;
  }
  const seconds = (performance.now() - t) / 1000;
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
  };
}
