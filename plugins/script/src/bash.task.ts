import { defineTask, schema, z, type RunContext } from "@ferry/sdk";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, writeFile, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { runProcess } from "./run-process.js";
import { placeInputFiles, scriptEnv } from "./workspace.js";

/** the names `outputFiles`, `outputsFiles`, `files` and `outputDirs` take: relative, as PluginUtilsService.validFilename asks */
const relativeName = z.string().refine((s) => !s.startsWith("./") && !s.startsWith("..") && !s.startsWith("/"), {
  message: "Invalid outputFile (only relative path is supported)",
});

/**
 * Kestra's deprecated `io.kestra.core.tasks.scripts.Bash` (plugin-script-shell's Bash over plugin-script's
 * AbstractBash, still shipped): older flows and Kestra's own examples use it. Its properties are not
 * those of shell.Commands: `outputFiles` are names of files the task creates empty beforehand (their
 * paths are `{{ outputFiles.<name> }}`), `outputDirs` names of folders, and the interpreter is a text
 * with separate arguments.
 */
export const bashTask = defineTask({
  kind: "runnable",
  type: "script.Bash",
  aliases: ["io.kestra.core.tasks.scripts.Bash"],
  title: "Bash (Kestra's deprecated task)",
  description:
    "Runs `commands`, joined by new lines, with `interpreter` and `interpreterArgs` (default `/bin/sh -c`) in the task's working folder, after " +
    "`set -o errexit` unless `exitOnFailed: false`. Each name in `outputFiles` is an empty file created first, its path " +
    "`{{ outputFiles.<name> }}` in the commands, uploaded afterwards as `outputs.<task>.outputFiles.<name>`; each name in `outputDirs` a folder " +
    "(`{{ outputDirs.<name> }}`) whose files are uploaded as `<name>/<path>`. Prefer io.kestra.plugin.scripts.shell.Commands.",
  properties: z.strictObject({
    commands: z.array(schema.text()).min(1),
    interpreter: z.string().min(1).default("/bin/sh"),
    interpreterArgs: z.array(z.string()).default(["-c"]),
    exitOnFailed: schema.bool().default(true),
    outputFiles: z.array(relativeName).default([]),
    /** deprecated names of outputFiles, added to it as AbstractBash.run does */
    outputsFiles: z.array(relativeName).default([]),
    files: z.array(relativeName).default([]),
    outputDirs: z.array(relativeName).default([]),
    inputFiles: z.union([z.record(z.string(), z.string().nullable()), z.string()]).optional(),
    env: z.record(z.string(), schema.text()).default({}),
    runner: z
      .literal("PROCESS", {
        error: "not supported by Ferry yet: runner DOCKER (Ferry runs scripts as processes on the worker's host)",
      })
      .default("PROCESS"),
    dockerOptions: schema.notYet("dockerOptions", "Ferry runs scripts as processes on the worker's host"),
    warningOnStdErr: z
      .boolean()
      .optional()
      .describe(
        "ignored: Kestra's newest ScriptOutput has no warningOnStdErr and Kestra ignores it since 0.23 (plugin-scripts issue 233); the exit code alone decides the state",
      ),
  }),
  // rendered here, with AbstractBash's additional variables (workingDir, outputFiles, temp, outputDirs)
  rawProperties: ["commands", "inputFiles"],
  examples: [
    {
      title: "A command writing to a file the task uploads",
      flow: `id: bash
namespace: company.team
tasks:
  - id: bash
    type: io.kestra.core.tasks.scripts.Bash
    outputFiles: [first]
    commands:
      - echo "1" >> {{ outputFiles.first }}
`,
    },
  ],
  async run(ctx, props) {
    const dir = await ctx.workingDirectory();
    // PluginUtilsService.createOutputFiles: an empty temp file per name, prefix `<name>_` padded to 3 characters
    const outputFiles: Record<string, string> = {};
    for (const name of [...props.outputFiles, ...props.outputsFiles, ...props.files]) {
      const path = join(dir, `${`${name}_`.padStart(3, "_")}${randomBytes(8).readBigUInt64BE()}.tmp`);
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(path, "");
      outputFiles[name] = path;
    }
    const outputDirs: Record<string, string> = {};
    for (const name of props.outputDirs) {
      const path = join(dir, `${name}_${randomBytes(8).readBigUInt64BE()}`);
      await mkdir(path, { recursive: true });
      outputDirs[name] = path;
    }
    const vars = {
      workingDir: dir,
      ...(Object.keys(outputFiles).length ? { outputFiles, temp: outputFiles } : {}),
      ...(Object.keys(outputDirs).length ? { outputDirs } : {}),
    };
    if (props.inputFiles !== undefined) await placeInputFiles(ctx, dir, await renderInputFiles(ctx, props.inputFiles, vars));
    const lines: string[] = props.exitOnFailed ? ["set -o errexit"] : [];
    for (const command of props.commands) lines.push(String(await ctx.render(command, vars)));
    const result = await runProcess(ctx, {
      command: props.interpreter,
      args: [...props.interpreterArgs, lines.join("\n")],
      cwd: dir,
      env: scriptEnv(props.env),
    });
    const uploaded: Record<string, string> = {};
    for (const [name, path] of Object.entries(outputFiles)) uploaded[name] = await ctx.putFile(relative(dir, path), new Uint8Array(await readFile(path)));
    for (const [name, folder] of Object.entries(outputDirs)) {
      for (const file of await filesUnder(folder)) {
        const key = `${name}/${relative(folder, file)}`;
        uploaded[key] = await ctx.putFile(key, new Uint8Array(await readFile(file)));
      }
    }
    return {
      vars: result.vars,
      stdOutLineCount: result.stdOutLineCount,
      stdErrLineCount: result.stdErrLineCount,
      exitCode: result.exitCode,
      files: uploaded,
      outputFiles: uploaded,
    };
  },
});

/**
 * inputFiles as PluginUtilsService.transformInputFiles reads them: a map has its keys and values rendered
 * (null values dropped), a text is rendered then read as a JSON map — both with the task's variables.
 */
async function renderInputFiles(
  ctx: RunContext,
  inputFiles: Record<string, string | null> | string,
  vars: Record<string, unknown>,
): Promise<Record<string, string> | string> {
  if (typeof inputFiles === "string") return String(await ctx.render(inputFiles, vars));
  const rendered: Record<string, string> = {};
  for (const [key, value] of Object.entries(inputFiles)) {
    if (value !== null) rendered[String(await ctx.render(key, vars))] = String(await ctx.render(value, vars));
  }
  return rendered;
}

/** every regular file under a folder, as Files.walk finds them */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, {
    withFileTypes: true,
    recursive: true,
  });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
