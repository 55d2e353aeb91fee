import { defineTask, isDuration, parseDuration, schema, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

/** a duration Kestra holds to @DurationMin(millis = 1): zero and negative ones are refused at deploy */
const positiveDuration = () => schema.duration().refine((v) => !isDuration(v) || parseDuration(v) >= 1, { message: "must be a positive duration" });

/**
 * Kestra's LoopUntil (WaitFor is its alias; Kestra's older WaitFor took the opposite
 * condition, its current one is LoopUntil). Defaults as Kestra's since 0.23: no limit on
 * iterations or duration, one minute between iterations.
 */
const checkFrequency = z.strictObject({
  maxIterations: schema.int({ min: 1 }).optional().describe("iterations at most; none: unlimited"),
  maxDuration: positiveDuration().optional().describe("how long the loop may last, from its start; none: unlimited"),
  interval: positiveDuration().default("PT1M").describe("the wait between two iterations, held by the executor"),
});

export const loopUntilTask = defineTask({
  kind: "flowable",
  type: "core.LoopUntil",
  aliases: ["io.kestra.plugin.core.flow.LoopUntil", "io.kestra.plugin.core.flow.WaitFor", "core.WaitFor"],
  title: "Repeat tasks until a condition holds",
  description:
    "Runs `tasks`, then renders `condition`: truthy (anything but '', 'false', '0', '-0') ends the loop, falsy waits `checkFrequency.interval` and runs them again. " +
    "`checkFrequency.maxIterations` and `maxDuration` stop it, FAILED when `failOnMaxReached`. `outputs.<id>.iterationCount` counts iterations from 1; " +
    "the children's runs and outputs are those of the last iteration. The wait between iterations is held by the executor (PAUSED, as in Kestra): any length, no worker slot, survives restarts.",
  properties: z.strictObject({
    condition: schema.text().describe("rendered after each iteration; truthy ends the loop"),
    tasks: taskList().min(1),
    checkFrequency: checkFrequency.default({ interval: "PT1M" }),
    failOnMaxReached: schema.bool().default(false),
    ...handlers,
  }),
  outputs: z.object({ iterationCount: z.number().int() }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  rawProperties: ["condition"],
  examples: [
    {
      title: "Run a task until it returns a value",
      flow:
        "id: loop_until\nnamespace: company.team\ntasks:\n  - id: loop\n    type: core.LoopUntil\n    condition: \"{{ outputs.return.value == '4' }}\"\n    checkFrequency:\n      interval: PT1S\n    tasks:\n      - id: return\n        type: core.Return\n        format: \"{{ outputs.loop.iterationCount }}\"\n",
    },
  ],
  async plan(_ctx, props) {
    const { maxIterations, maxDuration, interval } = props.checkFrequency;
    return {
      branches: [{ path: ["tasks"] }],
      concurrency: 1,
      // Kestra's saveFlowableOutput: the loop's outputs exist from its start, so its first iteration reads iterationCount 1
      outputs: { iterationCount: 1 },
      loop: {
        condition: props.condition,
        intervalMs: parseDuration(interval),
        ...(maxIterations !== undefined ? { maxIterations } : {}),
        ...(maxDuration !== undefined ? { maxDurationMs: parseDuration(maxDuration) } : {}),
        failOnMaxReached: props.failOnMaxReached,
        iteration: 1,
      },
    };
  },
});
