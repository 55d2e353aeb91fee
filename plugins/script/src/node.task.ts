import { defineTask, schema, z } from "@ferry/sdk";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runProcess } from "./run-process.js";
import { commonProperties, CONTAINER_IMAGE_NEEDS_RUNNER, containerImageNeedsProcessRunner, noteUnusedContainerImage, placeInputFiles, placeNamespaceFiles, renderInFolder, scriptEnv, scriptOutputs, uploadOutputFiles } from "./workspace.js";

/** under Node the worker's own binary; under Deno, `node` from PATH */
const nodeBinary = () => (process.release?.name === "node" && !("Deno" in globalThis) ? process.execPath : "node");

export const nodeTask = defineTask({
  kind: "runnable",
  type: "script.Node",
  aliases: ["io.kestra.plugin.scripts.node.Script"],
  title: "Node script",
  description:
    "Runs `beforeCommands` with /bin/sh (the first failing one fails the task), then an inline `script` with Node in the task's working folder (CommonJS or ES module syntax). stdout and stderr become log lines; " +
    "`::{\"outputs\":{…}}::` lines set `outputs.<task>.vars`.",
  // Kestra's node Script runs its beforeCommands (an `npm install`, its WorkingDirectory @Example) in the same shell first
  properties: z.strictObject({ script: z.string().min(1), beforeCommands: z.array(schema.text()).default([]), ...commonProperties }).superRefine(containerImageNeedsProcessRunner).meta(CONTAINER_IMAGE_NEEDS_RUNNER),
  // rendered by the task, with `{{ workingDir }}` (renderInFolder)
  rawProperties: ["script", "beforeCommands"],
  examples: [
    {
      title: "A Node script that sets an output",
      flow: `id: node
namespace: company.team
tasks:
  - id: compute
    type: script.Node
    script: |
      const total = [1, 2, 3].reduce((a, b) => a + b, 0);
      console.log('::' + JSON.stringify({ outputs: { total } }) + '::');
`,
    },
  ],
  async run(ctx, props) {
    noteUnusedContainerImage(ctx, props.containerImage);
    const dir = await ctx.workingDirectory();
    await placeNamespaceFiles(ctx, dir, props.namespaceFiles);
    await placeInputFiles(ctx, dir, props.inputFiles);
    const [script, ...before] = await renderInFolder(ctx, [props.script, ...props.beforeCommands], dir);
    await writeFile(join(dir, "script.js"), script!);
    const node = [nodeBinary(), "--experimental-detect-module", "--no-warnings", "script.js"];
    const quoted = node.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
    const result = before.length
      ? await runProcess(ctx, { command: "/bin/sh", args: ["-c", `set -e\n${before.join("\n")}\nexec ${quoted}`], cwd: dir, env: scriptEnv(props.env) })
      : await runProcess(ctx, { command: node[0]!, args: node.slice(1), cwd: dir, env: scriptEnv(props.env) });
    return scriptOutputs(result, await uploadOutputFiles(ctx, dir, props.outputFiles), props.outputFiles.length > 0);
  },
});
