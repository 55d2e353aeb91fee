import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PYTHON, pythonPackages } from "./python-dependencies.js";
import { runProcess } from "./run-process.js";
import { commonProperties, CONTAINER_IMAGE_NEEDS_RUNNER, containerImageNeedsProcessRunner, FERRY_DIR, noteUnusedContainerImage, placeInputFiles, placeNamespaceFiles, renderInFolder, scriptEnv, scriptOutputs, uploadOutputFiles } from "./workspace.js";

/**
 * What Kestra's python tasks add to a script's environment (plugin-script-python Script.run / Commands.run):
 * unbuffered output, so that print() lines reach the log as they are printed and in order with stderr.
 */
const PYTHON_ENV = { PYTHONUNBUFFERED: "true", PIP_ROOT_USER_ACTION: "ignore", PIP_DISABLE_PIP_VERSION_CHECK: "1" };


export const pythonTask = defineTask({
  kind: "runnable",
  type: "script.Python",
  aliases: ["io.kestra.plugin.scripts.python.Script", "io.kestra.plugin.scripts.python.Commands"],
  title: "Python script or commands",
  description:
    "Runs `beforeCommands` with /bin/sh, then an inline `script` with python3 (or `commands` with /bin/sh), in the task's working folder on the worker's host " +
    "(Kestra's python tasks on the Process task runner). Output is unbuffered (PYTHONUNBUFFERED); stdout and stderr become log lines; " +
    "`::{\"outputs\":{…}}::` lines set `outputs.<task>.vars`. `dependencies` are installed with pip first (kept for the next runs unless `dependencyCacheEnabled: false`); `pythonVersion` is refused.",
  properties: z
    .strictObject({
      script: z.string().optional(),
      commands: z.array(schema.text()).optional(),
      beforeCommands: z.array(schema.text()).default([]),
      failFast: schema.bool().default(true),
      interpreter: z.array(z.string()).min(1).default(["/bin/sh", "-c"]),
      /** pip requirements, installed with the worker's python3 into a folder the script's PYTHONPATH names (python-dependencies.ts) */
      dependencies: z.array(schema.text()).default([]),
      /** keep the installed packages for the next runs asking for the same ones (Kestra's default, true) */
      dependencyCacheEnabled: schema.bool().default(true),
      pythonVersion: schema.notYet("pythonVersion", "the script runs with the worker's python3; Kestra's Process runner fetches that Python with uv"),
      ...commonProperties,
    })
    .refine((p) => Boolean(p.commands?.length) !== Boolean(p.script), { message: "give either script (io.kestra.plugin.scripts.python.Script) or commands (python.Commands), not both" })
    .superRefine(containerImageNeedsProcessRunner)
    .meta(CONTAINER_IMAGE_NEEDS_RUNNER),
  // rendered by the task, with `{{ workingDir }}` (renderInFolder)
  rawProperties: ["script", "commands", "beforeCommands"],
  examples: [
    {
      title: "A Python script that sets an output",
      flow: `id: python
namespace: company.team
tasks:
  - id: compute
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    script: |
      import json
      marks = [79, 91, 85]
      print("::" + json.dumps({"outputs": {"total": sum(marks)}}) + "::")
`,
    },
  ],
  async run(ctx, props) {
    noteUnusedContainerImage(ctx, props.containerImage);
    const dir = await ctx.workingDirectory();
    await placeNamespaceFiles(ctx, dir, props.namespaceFiles);
    await placeInputFiles(ctx, dir, props.inputFiles);
    const packages = await pythonPackages(ctx, props.dependencies, props.dependencyCacheEnabled, dir, props.env);
    // Kestra sets PYTHONPATH to the installed packages' folder (Script.run, Commands.run)
    const env = { ...scriptEnv(props.env, PYTHON_ENV), ...(packages ? { PYTHONPATH: packages.path } : {}) };
    let body: string;
    if (props.script !== undefined) {
      // Kestra writes the script to a `.py` file of the working folder and runs `python <file>` after the beforeCommands
      const [script, ...before] = await renderInFolder(ctx, [props.script, ...props.beforeCommands], dir);
      const file = join(FERRY_DIR, "script.py");
      await mkdir(join(dir, FERRY_DIR), { recursive: true });
      await writeFile(join(dir, file), script!);
      body = [...before, `exec ${PYTHON} '${file}'`].join("\n");
    } else {
      body = (await renderInFolder(ctx, [...props.beforeCommands, ...props.commands!], dir)).join("\n");
    }
    if (!body.trim()) throw new UserError("script.Python has nothing to run");
    const [command, ...args] = props.interpreter;
    const result = await runProcess(ctx, { command, args: [...args, props.failFast ? `set -e\n${body}` : body], cwd: dir, env }).finally(() => packages?.done());
    return scriptOutputs(result, await uploadOutputFiles(ctx, dir, props.outputFiles), props.outputFiles.length > 0);
  },
});
