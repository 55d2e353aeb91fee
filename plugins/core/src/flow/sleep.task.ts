import { defineTask, parseDuration, schema, UserError, z } from "@ferry/sdk";

/**
 * Kestra's Sleep (io.kestra.plugin.core.flow.Sleep) waits on a worker thread. Here the wait is
 * held by the executor, as a Pause with a duration is: the task run is RUNNING meanwhile, no
 * worker slot is taken, and the wait lives in the repository and the queue's delayed wake-up,
 * so a Sleep of P30D outlasts restarts of every process. Kill and a shorter `timeout` end it.
 * Kestra's Wait (flow.Wait, later debug.Wait) is the same task under another name — a
 * `duration`, the same log line, then nothing — so it deploys as this one.
 */
export const sleepTask = defineTask({
  kind: "flowable",
  type: "core.Sleep",
  aliases: ["io.kestra.plugin.core.flow.Sleep", "io.kestra.plugin.core.flow.Wait", "io.kestra.plugin.core.debug.Wait"],
  title: "Sleep",
  description:
    "Waits for `duration` (ISO-8601, any length), logging `Waiting for <duration>`. The executor holds the wait, not a worker: it survives restarts, " +
    "and kill or a shorter `timeout` (which fails the task with `Timeout after …`) end it.",
  properties: z.strictObject({ duration: schema.duration() }),
  taskProperties: [],
  examples: [{ title: "Wait five seconds", flow: "id: nap\nnamespace: company.team\ntasks:\n  - id: wait\n    type: core.Sleep\n    duration: PT5S\n" }],
  async plan(_ctx, props) {
    const afterMs = parseDuration(props.duration);
    if (afterMs < 0) throw new UserError(`duration ${props.duration} is negative`);
    return { branches: [], concurrency: 1, pause: { afterMs, onElapsed: "RUNNING", sleep: { duration: props.duration } } };
  },
});
