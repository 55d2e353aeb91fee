import { defineTask, z } from "@ferry/sdk";
import { rawBatchSchema } from "./for-each-item-batch.js";
import { handlers, HANDLER_LISTS } from "./task-list.schema.js";
import { SPLIT_TYPE } from "./for-each-item-split.task.js";
import { ITEMS_TYPE, subflowProperties } from "./for-each-item-items.task.js";
import { MERGE_TYPE } from "./for-each-item-merge.task.js";

const properties = z.strictObject({
  items: z.string().min(1).describe("the storage URI of the file to cut into batches, one item per line"),
  batch: rawBatchSchema.default({ separator: "\n" }),
  ...subflowProperties,
  ...handlers,
});
type Props = z.infer<typeof properties>;
type Spec = Record<string, unknown> & { id: string };

/** the three steps Kestra shows under a ForEachItem, made once per task (the same objects each time: the executor finds and caches them) */
const made = new WeakMap<object, Spec[]>();
function steps(spec: Spec): Spec[] {
  let list = made.get(spec);
  if (!list) {
    const { id } = spec;
    // inside a loop a sibling's outputs are keyed by the iteration value, the ForEachItem's own (its steps have none): Kestra's extractOutput reads parent.taskrun.value
    const output = (task: string, key: string) => `{{ outputs['${task}'].${key} ?? outputs['${task}'][parent.taskrun.value].${key} ?? '' }}`;
    const pick = (keys: string[]) => Object.fromEntries(keys.filter((key) => spec[key] !== undefined).map((key) => [key, spec[key]]));
    list = [
      { id: `${id}_split`, type: SPLIT_TYPE, items: spec.items, ...pick(["batch"]) },
      { id: `${id}_items`, type: ITEMS_TYPE, splits: output(`${id}_split`, "splits"), ...pick(Object.keys(subflowProperties)) },
      { id: `${id}_merge`, type: MERGE_TYPE, from: output(`${id}_items`, "uri") },
    ];
    made.set(spec, list);
  }
  return list;
}

export const forEachItemTask = defineTask({
  kind: "flowable",
  type: "core.ForEachItem",
  aliases: ["io.kestra.plugin.core.flow.ForEachItem", "io.kestra.core.tasks.flows.ForEachItem"],
  title: "Run a subflow for each batch of items of a file",
  description:
    "Cuts `items` (a storage URI, one item per line) into batches (`batch.rows`, default 1, or `bytes`, `partitions`, `regexPattern`: the first given of regexPattern, bytes, partitions, rows; each line followed by `separator`) " +
    "and starts one execution of `namespace`/`flowId` per batch, its `inputs` rendered with `taskrun.items` (the batch's URI) and `taskrun.iteration`. " +
    "As Kestra shows it, three task runs do it: `<id>_split` (outputs `splits`), `<id>_items` (outputs `numberOfBatches`, `iterations` by state, `uri`) " +
    "and `<id>_merge` (outputs `subflowOutputs`, the subflows' outputs, one line each). With `wait` (default) it ends once every subflow ended; " +
    "with `transmitFailed` (default) a failed subflow fails it.",
  properties,
  taskProperties: HANDLER_LISTS,
  // the steps render them, each once
  rawProperties: ["items", "batch", ...Object.keys(subflowProperties)],
  taskLists(spec) {
    const lists: Array<[Array<string | number>, unknown[]]> = [[["tasks"], steps(spec as Spec)]];
    for (const key of HANDLER_LISTS) if (Array.isArray(spec[key])) lists.push([[key], spec[key] as unknown[]]);
    return lists;
  },
  examples: [
    {
      title: "One subflow execution per line",
      flow:
        "id: orders_parallel\nnamespace: company.team\ntasks:\n  - id: extract\n    type: core.storage.Write\n    content: \"a\\nb\\nc\"\n" +
        "  - id: each\n    type: core.ForEachItem\n    items: \"{{ outputs.extract.uri }}\"\n    batch:\n      rows: 1\n    namespace: company.team\n    flowId: orders\n" +
        "    inputs:\n      order: \"{{ taskrun.items }}\"\n",
    },
  ],
  async plan(_ctx, _props: Props) {
    return { branches: [{ path: ["tasks"] }], concurrency: 1 };
  },
});
