import type { EngineEvents, HistoryExporter, WorkerDirectory } from "@ferry/engine";
import { jobsChannel, EXECUTOR_CHANNEL, LOGS_CHANNEL, METRICS_CHANNEL } from "@ferry/engine";
import { EXECUTION_STATES, isTerminal, type Queue, type Repository } from "@ferry/sdk";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** every state of an execution not yet ended: PAUSING (an Approval's onWait), QUEUED (waiting for a slot) and RESTARTED among them */
const OPEN_STATES = EXECUTION_STATES.filter((state) => !isTerminal(state));

/**
 * Prometheus metrics of this server process (`GET /metrics`): executions ended here by
 * state, executions open now (from the repository), task run durations, queue depth per
 * channel, live workers, and Node's process metrics. One registry per server, so several
 * servers in one process (tests) do not collide.
 */
export function prometheusRegistry(deps: { events: EngineEvents; repository: Repository; queue: Queue; workers: WorkerDirectory; groups: string[]; exporter?: HistoryExporter }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ferry_" });
  const ended = new Counter({ name: "ferry_executions_ended_total", help: "Executions this server saw end, by final state", labelNames: ["state"], registers: [registry] });
  deps.events.on("execution", (change) => {
    if (isTerminal(change.state)) ended.inc({ state: change.state });
  });
  const durations = new Histogram({
    name: "ferry_task_run_duration_seconds",
    help: "Task run durations, by final state",
    labelNames: ["state"],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [registry],
  });
  // the child of each state kept: observe({ state }) hashed the labels again for every task run that ended
  const byState = new Map<string, ReturnType<typeof durations.labels>>();
  deps.events.on("taskrun", (run) => {
    let child = byState.get(run.state);
    if (!child) byState.set(run.state, (child = durations.labels({ state: run.state })));
    child.observe(Math.max(0, run.durationMs) / 1000);
  });
  new Gauge({
    name: "ferry_executions",
    help: "Executions not yet ended, by state (from the repository)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      for (const state of OPEN_STATES) this.set({ state }, (await deps.repository.searchExecutions({ state: [state], page: 1, size: 1 })).total);
    },
  });
  new Gauge({
    name: "ferry_queue_depth",
    help: "Messages of a queue channel not yet acknowledged",
    labelNames: ["channel"],
    registers: [registry],
    async collect() {
      if (!deps.queue.depth) return;
      for (const channel of [EXECUTOR_CHANNEL, LOGS_CHANNEL, METRICS_CHANNEL, ...deps.groups.map(jobsChannel)]) this.set({ channel }, await deps.queue.depth(channel));
    },
  });
  new Gauge({
    name: "ferry_workers",
    help: "Live workers (announced within the last seconds)",
    registers: [registry],
    collect() {
      this.set(deps.workers.list().length);
    },
  });
  if (deps.exporter) historyExportMetrics(registry, deps.exporter);
  return registry;
}

/** the history exporter's lag (0 once caught up), whether this server exports, whether the store answers, and what it exported */
function historyExportMetrics(registry: Registry, exporter: HistoryExporter): void {
  new Gauge({
    name: "ferry_history_export_lag_seconds",
    help: "Seconds since the history exporter last reached the end of the primary's changes (0: caught up)",
    registers: [registry],
    collect() {
      this.set(exporter.statusNow().lagSeconds);
    },
  });
  new Gauge({
    name: "ferry_history_export_active",
    help: "1 while this server exports history (it holds the export lease), 0 while another replica does",
    registers: [registry],
    collect() {
      this.set(exporter.active ? 1 : 0);
    },
  });
  new Gauge({
    name: "ferry_history_store_up",
    help: "1 when the history store answered the exporter's last write, 0 while it is out of reach",
    registers: [registry],
    collect() {
      this.set(exporter.statusNow().up ? 1 : 0);
    },
  });
  new Gauge({
    name: "ferry_history_exported",
    help: "Executions, log lines and metrics this server exported to the history store since it started",
    labelNames: ["stream"],
    registers: [registry],
    collect() {
      for (const [stream, n] of Object.entries(exporter.statusNow().exported)) this.set({ stream }, n);
    },
  });
}
