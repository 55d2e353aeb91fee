import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { runProcess } from "./run-process.js";
import { commonProperties, CONTAINER_IMAGE_NEEDS_RUNNER, containerImageNeedsProcessRunner, noteUnusedContainerImage, placeInputFiles, placeNamespaceFiles, renderInFolder, scriptEnv, scriptOutputs, uploadOutputFiles } from "./workspace.js";

export const shellTask = defineTask({
  kind: "runnable",
  type: "script.Shell",
  aliases: ["io.kestra.plugin.scripts.shell.Commands", "io.kestra.plugin.scripts.shell.Script"],
  title: "Shell commands",
  description:
    "Runs `beforeCommands` then `commands` (or one `script`) with /bin/sh in the task's working folder; the first failing command fails the task " +
    "(`failFast`, default true). stdout and stderr become log lines; `::{\"outputs\":{…}}::` lines set `outputs.<task>.vars`.",
  properties: z
    .strictObject({
      commands: z.array(schema.text()).optional(),
      script: z.string().optional(),
      beforeCommands: z.array(schema.text()).default([]),
      failFast: schema.bool().default(true),
      interpreter: z.array(z.string()).min(1).default(["/bin/sh", "-c"]),
      ...commonProperties,
    })
    .refine((p) => Boolean(p.commands?.length) !== Boolean(p.script), { message: "give either commands (a list) or script (a text), not both" })
    .superRefine(containerImageNeedsProcessRunner).meta(CONTAINER_IMAGE_NEEDS_RUNNER),
  // rendered by the task, with `{{ workingDir }}` (renderInFolder)
  rawProperties: ["commands", "script", "beforeCommands"],
  examples: [
    {
      title: "Commands that produce an output and a file",
      flow: `id: shell
namespace: company.team
tasks:
  - id: report
    type: script.Shell
    outputFiles: ["*.csv"]
    commands:
      - echo "a,b" > report.csv
      - echo '::{"outputs":{"rows":1}}::'
`,
    },
  ],
  async run(ctx, props) {
    noteUnusedContainerImage(ctx, props.containerImage);
    const dir = await ctx.workingDirectory();
    await placeNamespaceFiles(ctx, dir, props.namespaceFiles);
    await placeInputFiles(ctx, dir, props.inputFiles);
    const body = (await renderInFolder(ctx, [...props.beforeCommands, ...(props.commands ?? [props.script!])], dir)).join("\n");
    if (!body.trim()) throw new UserError("script.Shell has nothing to run");
    const [command, ...args] = props.interpreter;
    const result = await runProcess(ctx, { command, args: [...args, props.failFast ? `set -e\n${body}` : body], cwd: dir, env: scriptEnv(props.env) });
    return scriptOutputs(result, await uploadOutputFiles(ctx, dir, props.outputFiles), props.outputFiles.length > 0);
  },
});
