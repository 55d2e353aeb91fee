import { defineTask, isStorageUri, UserError, workingDirMatcher, z } from "@ferry/sdk";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

/** every file under `root`, as relative paths with `/` */
async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(root, path)));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

export const localFilesTask = defineTask({
  kind: "runnable",
  type: "core.storage.LocalFiles",
  aliases: ["io.kestra.plugin.core.storage.LocalFiles", "io.kestra.core.tasks.storages.LocalFiles"],
  title: "Local files (deprecated in Kestra)",
  description:
    "Creates the `inputs` files (a map of path to content, or a JSON text of one; a ferry:// URI as content copies that file) in the task's working directory, then stores the files " +
    "matching the `outputs` globs (Java glob syntax, relative to that directory) and outputs their `uris` by path. Kestra deprecated it for `inputFiles`/`outputFiles`.",
  properties: z.strictObject({
    inputs: z.union([z.record(z.string(), z.string()), z.string()]).optional(),
    outputs: z.array(z.string().min(1)).optional(),
  }),
  outputs: z.object({ uris: z.record(z.string(), z.string()) }),
  async run(ctx, props) {
    const dir = await ctx.workingDirectory();
    let inputs = props.inputs ?? {};
    if (typeof inputs === "string") {
      try {
        inputs = JSON.parse(inputs) as Record<string, string>;
      } catch (error) {
        throw new UserError("inputs: expected a map of file path to content, or a JSON text of one", { cause: error });
      }
    }
    for (const [path, content] of Object.entries(inputs)) {
      const target = resolve(dir, path);
      if (!target.startsWith(dir + sep)) throw new UserError(`inputs: '${path}' leaves the working directory`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, isStorageUri(content) ? await ctx.getFile(content) : String(content));
    }
    const uris: Record<string, string> = {};
    if (props.outputs?.length) {
      const matches = workingDirMatcher(props.outputs);
      for (const path of await walk(dir)) {
        if (matches(path)) uris[path] = await ctx.putFile(path, await readFile(join(dir, path)));
      }
    }
    return { uris };
  },
});
