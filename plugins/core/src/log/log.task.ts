import { defineTask, LOG_LEVELS, z } from "@ferry/sdk";

const LEVEL = z.enum(LOG_LEVELS as [string, ...string[]]).default("INFO").describe("TRACE, DEBUG, INFO, WARN or ERROR");

export const logTask = defineTask({
  kind: "runnable",
  type: "core.Log",
  aliases: ["io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log"],
  title: "Log a message",
  description: "Writes one or more lines to the execution's logs at the given level.",
  properties: z.strictObject({
    // a list's numbers and booleans are logged as their text, as Kestra's (LogTest.shouldLogNonStringMessageListElementsInsteadOfCrashing)
    message: z.union([z.string(), z.array(z.union([z.string(), z.number(), z.boolean()]))]).describe("a message, or a list of messages logged one per line"),
    level: LEVEL,
  }),
  examples: [{ title: "Log a greeting", flow: "id: hello\nnamespace: company.team\ntasks:\n  - id: log\n    type: core.Log\n    message: Hello {{ flow.id }}\n" }],
  async run(ctx, props) {
    const lines = Array.isArray(props.message) ? props.message : [props.message];
    for (const line of lines) ctx.logger.log(props.level as (typeof LOG_LEVELS)[number], String(line));
  },
});

/** Kestra's deprecated Echo: logs `format` at `level` */
export const echoTask = defineTask({
  kind: "runnable",
  type: "core.Echo",
  aliases: ["io.kestra.plugin.core.debug.Echo", "io.kestra.core.tasks.debugs.Echo"],
  title: "Echo a message",
  description: "Kestra's deprecated Echo task: logs the rendered `format` at `level`. Prefer core.Log.",
  properties: z.strictObject({ format: z.string(), level: LEVEL }),
  async run(ctx, props) {
    ctx.logger.log(props.level as (typeof LOG_LEVELS)[number], props.format);
  },
});
