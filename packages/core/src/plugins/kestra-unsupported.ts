/*
 * Kestra core types Ferry does not run yet, by Kestra's class name, each with what to use
 * instead. A flow naming one is refused with this text rather than a bare "unknown type", so
 * a Kestra user learns it is a known gap, not a typo. Keep it in step with the core plugin: a
 * type that gains an implementation leaves this list.
 */
const core = (name: string) => `io.kestra.plugin.core.${name}`;

const UNSUPPORTED: Record<string, string> = {
  [core("flow.Template")]: "Kestra removed templates; use io.kestra.plugin.core.flow.Subflow",
  [core("flow.PurgeFlows")]: "no task purges flows; delete them through DELETE /api/v1/flows/{namespace}/{id}",
  [core("namespace.PurgeFiles")]: "use io.kestra.plugin.core.namespace.DeleteFiles",
  [core("metric.PurgeMetrics")]: "use io.kestra.plugin.core.execution.PurgeExecutions with purgeMetric",
  [core("http.SseRequest")]: "use io.kestra.plugin.core.http.Request",
  [core("http.Trigger")]: "Ferry has no polling triggers; use a Schedule trigger with an io.kestra.plugin.core.http.Request task and an If",
  [core("trigger.BatchWebhook")]: "webhook events are not buffered into batches; use io.kestra.plugin.core.trigger.Webhook (one execution per call)",
  [core("trigger.McpToolTrigger")]: "Ferry serves no MCP tools",
};

/** why Ferry refuses a Kestra core type it knows of, or undefined for any other name */
export function kestraUnsupported(type: string): string | undefined {
  const why = UNSUPPORTED[type];
  return why ? `Kestra's ${type} is not supported by Ferry yet: ${why}` : undefined;
}
