/*
 * Kestra core types Ferry does not run yet, by Kestra's class name, each with what to use
 * instead. A flow naming one is refused with this text rather than a bare "unknown type", so
 * a Kestra user learns it is a known gap, not a typo. Keep it in step with the core plugin: a
 * type that gains an implementation leaves this list.
 */
const core = (name: string) => `io.kestra.plugin.core.${name}`;

const UNSUPPORTED: Record<string, string> = {
  [core("flow.Template")]: "Kestra removed templates; use io.kestra.plugin.core.flow.Subflow",
  // its name before 0.17, which Kestra's own test flows (flows/templates/, flows/tests/with-template.yaml) still write
  "io.kestra.core.tasks.flows.Template": "Kestra removed templates; use io.kestra.plugin.core.flow.Subflow",
  [core("namespace.PurgeFiles")]: "use io.kestra.plugin.core.namespace.DeleteFiles",
  [core("metric.PurgeMetrics")]: "use io.kestra.plugin.core.execution.PurgeExecutions with purgeMetric",
  [core("trigger.BatchWebhook")]: "webhook events are not buffered into batches; use io.kestra.plugin.core.trigger.Webhook (one execution per call)",
  [core("trigger.McpToolTrigger")]: "Ferry serves no MCP tools",
};

/**
 * Old Kestra names Kestra itself no longer accepts: no current class declares them among its
 * @Plugin aliases, and their model differs from what replaced them.
 */
const GONE: Record<string, string> = {
  // the pre-0.17 WaitFor ran one `task` while `condition` held, with top-level maxIterations and
  // `previous`; LoopUntil's only alias is io.kestra.plugin.core.flow.WaitFor (LoopUntil.java)
  "io.kestra.core.tasks.flows.WaitFor":
    "its model (one `task`, top-level `maxIterations`, `previous`) is gone and no Kestra class answers to that name now; write io.kestra.plugin.core.flow.LoopUntil: its `tasks` run again until `condition` holds, bounded by `checkFrequency`",
};

/** why Ferry refuses a Kestra core type it knows of, or undefined for any other name */
export function kestraUnsupported(type: string): string | undefined {
  const why = UNSUPPORTED[type];
  if (why) return `Kestra's ${type} is not supported by Ferry yet: ${why}`;
  const gone = GONE[type];
  return gone ? `Kestra's ${type} is a name Kestra no longer accepts: ${gone}` : undefined;
}
