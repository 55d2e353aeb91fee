import { defineTask, parseDuration, schema, UserError, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

const BEHAVIORS = ["RESUME", "WARN", "FAIL", "CANCEL"] as const;

/** Kestra's Pause.Behavior: what the task run becomes once pauseDuration passed */
const ON_ELAPSED = { RESUME: "RUNNING", WARN: "WARNING", FAIL: "FAILED", CANCEL: "CANCELLED" } as const;

/** an `onResume` input: checked at deploy against the flow-input schema (inputProperties) */
const inputList = () => z.array(z.looseObject({ id: z.string(), type: z.string() }));

export const pauseTask = defineTask({
  kind: "flowable",
  type: "core.Pause",
  aliases: ["io.kestra.plugin.core.flow.Pause", "io.kestra.core.tasks.flows.Pause"],
  title: "Pause the execution until it is resumed",
  description:
    "The task run and its execution go PAUSED until resumed (`POST /api/v1/executions/{id}/resume`, the UI, `ferry executions resume`), " +
    "with the `onResume` inputs (typed as flow inputs) as the outputs `outputs.<id>.onResume.<input>`. With `pauseDuration`, the pause ends " +
    "by itself after it, as `behavior` says: RESUME goes on, WARN goes on with the task WARNING, FAIL fails the task, CANCEL cancels the execution. " +
    "The task's `timeout` fails the task once passed (when there is no pauseDuration, or it is the shorter). The wait is held by the executor in the repository, not by a worker. " +
    "`onPause`, one task, runs under the Pause once it went PAUSED, while the execution waits (Kestra's PauseTest.shouldExecuteOnPauseTask); the Pause ends once it ended too.",
  properties: z
    .strictObject({
      pauseDuration: schema.duration().optional().describe("how long the pause lasts at most (ISO-8601)"),
      delay: schema.duration().optional().describe("deprecated: pauseDuration's former name"),
      behavior: z.enum(BEHAVIORS, { error: `behavior is one of ${BEHAVIORS.join(", ")}` }).default("RESUME"),
      onResume: inputList().optional().describe("inputs asked for when the execution is resumed, typed like flow inputs"),
      onPause: z.looseObject({ id: z.string(), type: z.string() }, { error: "onPause is one task (with its id and type), not a list: Kestra's Pause.onPause is a Task" }).optional().describe("one task run under the Pause once the execution is paused"),
      tasks: taskList().optional().describe("deprecated: tasks run once the pause ended"),
      ...handlers,
    })
    .refine((p) => p.pauseDuration === undefined || p.delay === undefined, { error: "delay is pauseDuration's deprecated name: give one of them", path: ["delay"] }),
  taskProperties: ["tasks", "onPause", ...HANDLER_LISTS],
  rawProperties: ["onResume"],
  inputProperties: ["onResume"],
  examples: [
    {
      title: "Wait for an approval with a reason",
      flow:
        "id: approval\nnamespace: company.team\ntasks:\n  - id: wait_for_approval\n    type: core.Pause\n    onResume:\n      - id: reason\n        type: STRING\n" +
        "  - id: log\n    type: core.Log\n    message: \"Approved: {{ outputs.wait_for_approval.onResume.reason }}\"\n",
    },
    { title: "Go on with a warning after five minutes", flow: "id: pause_warn\nnamespace: company.team\ntasks:\n  - id: pause\n    type: core.Pause\n    pauseDuration: PT5M\n    behavior: WARN\n" },
  ],
  async plan(_ctx, props) {
    const duration = props.pauseDuration ?? props.delay;
    let afterMs: number | undefined;
    if (duration !== undefined) {
      afterMs = parseDuration(duration);
      if (afterMs < 0) throw new UserError(`pauseDuration ${duration} is negative`);
    }
    return {
      branches: props.tasks?.length ? [{ path: ["tasks"] }] : [],
      concurrency: 1,
      pause: { ...(afterMs !== undefined ? { afterMs } : {}), onElapsed: ON_ELAPSED[props.behavior] },
    };
  },
});
