import { defineTask, parseDuration, schema, setLongTimeout, z } from "@ferry/sdk";

export const sleepTask = defineTask({
  kind: "runnable",
  type: "core.Sleep",
  aliases: ["io.kestra.plugin.core.flow.Sleep"],
  title: "Sleep",
  description: "Waits for `duration` on a worker; kill and timeout interrupt it.",
  properties: z.strictObject({ duration: schema.duration() }),
  examples: [{ title: "Wait five seconds", flow: "id: nap\nnamespace: company.team\ntasks:\n  - id: wait\n    type: core.Sleep\n    duration: PT5S\n" }],
  async run(ctx, props) {
    ctx.logger.info(`Waiting for ${props.duration}`);
    const ms = parseDuration(props.duration);
    await new Promise<void>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      const timer = setLongTimeout(() => {
        ctx.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        timer.cancel();
        reject(ctx.signal.reason);
      };
      ctx.signal.addEventListener("abort", onAbort, { once: true });
    });
  },
});
