import { defineTask, namespaceFilesOption, schema, z, type NamespaceFilesOption, type RunContext } from "@ferry/sdk";
import { bundleFiles, placeInputFiles, placeNamespaceFiles, restoreFiles, storeOutputFiles } from "./folder-files.js";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

const properties = z.strictObject({
  tasks: taskList().min(1).describe("runnable tasks run one after another in the shared folder"),
  ...handlers,
  inputFiles: z.union([z.record(z.string(), z.string()), z.string()]).optional().describe("files placed in the folder first: name → content or storage URI (or a JSON text of that map)"),
  outputFiles: z.array(z.string()).optional().describe("globs of files kept once the tasks ran: outputs.<id>.outputFiles maps each to its URI"),
  namespaceFiles: namespaceFilesOption.optional().describe("namespace files copied into the folder first (Kestra's NamespaceFiles: enabled, include, exclude, namespaces, folderPerNamespace, ifExists)"),
  cache: z
    .strictObject({
      patterns: z.array(z.string().min(1)).min(1).describe("globs of the folder's files to keep, such as node_modules/**"),
      ttl: schema.duration().optional().describe("how long a kept cache is used (ISO-8601); always when absent"),
    })
    .optional(),
});
type Props = z.infer<typeof properties>;

/** when the cache was restored into a run's folder, so only files changed since are saved again (Kestra's cacheDownloadedTime) */
const restoredAt = new WeakMap<RunContext, number>();

/** Kestra keeps one cache per task and iteration value */
const cacheName = (ctx: RunContext) => ctx.taskRun.value ?? "";

export const workingDirectoryTask = defineTask({
  kind: "flowable",
  type: "core.WorkingDirectory",
  aliases: ["io.kestra.plugin.core.flow.WorkingDirectory", "io.kestra.core.tasks.flows.WorkingDirectory", "io.kestra.core.tasks.flows.Worker", "io.kestra.plugin.core.flow.Worker"],
  title: "Run tasks one after another in one shared folder",
  description:
    "Sends its `tasks` (runnable tasks only) to one worker, which runs them one after another in one folder: files one task writes are there for the next " +
    "(`{{ workingDir }}` is the folder). Each task is its own task run; the first failure stops the rest and the WorkingDirectory fails (its `errors` then run). " +
    "First `cache` is restored, then `namespaceFiles` and `inputFiles` are placed; once the tasks ran, `outputFiles` are stored (outputs.<id>.outputFiles) and, " +
    "after a success, the files `cache.patterns` match are kept for the next run of this task when any of them changed.",
  properties,
  outputs: z.object({ outputFiles: z.record(z.string(), z.string()).optional() }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  // rendered on the worker, where secrets are at hand: a file may hold one
  rawProperties: ["inputFiles", "outputFiles", "namespaceFiles"],
  examples: [
    {
      title: "A file written by one task, read by the next",
      flow:
        "id: shared_folder\nnamespace: company.team\ntasks:\n  - id: wdir\n    type: core.WorkingDirectory\n    outputFiles: [\"out.txt\"]\n    tasks:\n" +
        "      - id: write\n        type: script.Shell\n        commands:\n          - echo hello > out.txt\n" +
        "      - id: read\n        type: script.Shell\n        commands:\n          - cat out.txt\n",
    },
  ],
  async plan() {
    return { branches: [], concurrency: 1, worker: true };
  },
  sharedFolder: {
    async prepare(ctx, props: Props) {
      const dir = await ctx.workingDirectory();
      if (props.cache) {
        const cached = await ctx.cacheFiles.get(cacheName(ctx), { ttl: props.cache.ttl });
        if (cached) {
          const count = await restoreFiles(dir, cached);
          restoredAt.set(ctx, Date.now());
          ctx.logger.debug(`cache restored: ${count} files`);
        }
      }
      if (props.namespaceFiles) await placeNamespaceFiles(ctx, dir, namespaceFilesOption.parse(await ctx.render(props.namespaceFiles)) as NamespaceFilesOption);
      if (props.inputFiles !== undefined) await placeInputFiles(ctx, dir, await ctx.render(props.inputFiles));
    },
    async conclude(ctx, props: Props, outcome) {
      const dir = await ctx.workingDirectory();
      const outputs = props.outputFiles ? await storeOutputFiles(ctx, dir, (await ctx.render(props.outputFiles)) as string[]) : {};
      if (props.cache && (outcome === "SUCCESS" || outcome === "WARNING")) {
        const bundle = await bundleFiles(dir, props.cache.patterns, restoredAt.get(ctx) ?? 0);
        if (bundle) {
          await ctx.cacheFiles.put(cacheName(ctx), bundle.blob);
          ctx.logger.debug(`cache saved: ${bundle.count} files`);
        } else ctx.logger.debug("cache files unchanged: the cache is kept as it was");
      }
      // as Kestra: no outputs when no file was captured
      return Object.keys(outputs).length ? { outputFiles: outputs } : undefined;
    },
  },
});
