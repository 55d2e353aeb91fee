import { defineTask, z } from "@ferry/sdk";
import { subflowTask } from "./subflow.task.js";

export const ITEMS_TYPE = "core.ForEachItemExecutable";

const subflowShape = (subflowTask.properties as unknown as z.ZodObject).shape as Record<string, z.ZodType>;

/** the subflow properties a ForEachItem takes, as its Subflow step reads them */
export const subflowProperties = {
  namespace: subflowShape.namespace,
  flowId: subflowShape.flowId,
  revision: subflowShape.revision,
  inputs: subflowShape.inputs,
  labels: subflowShape.labels,
  wait: subflowShape.wait,
  transmitFailed: subflowShape.transmitFailed,
  inheritLabels: subflowShape.inheritLabels,
  scheduleDate: subflowShape.scheduleDate,
  // on a restart: RETRY_FAILED restarts the failed batches' executions, NEW_EXECUTION runs every batch again
  restartBehavior: subflowShape.restartBehavior,
};

/** Kestra's ForEachItem$ForEachItemExecutable: the `<id>_items` step, one subflow execution per batch; not for flows to name */
export const forEachItemItemsTask = defineTask({
  kind: "subflow",
  internal: true,
  type: ITEMS_TYPE,
  aliases: ["io.kestra.plugin.core.flow.ForEachItem$ForEachItemExecutable"],
  title: "ForEachItem: one subflow execution per batch",
  description: "The second step of core.ForEachItem: starts one execution of the subflow per line of `splits`, and counts them by state.",
  properties: z.strictObject({ splits: z.string(), ...subflowProperties }),
  // rendered once per batch, with taskrun.items and taskrun.iteration
  rawProperties: ["inputs"],
  outputs: z.object({ numberOfBatches: z.number(), iterations: z.record(z.string(), z.number()), uri: z.string().optional() }),
  target(props) {
    const { labels, namespace, flowId, revision, wait, transmitFailed, inheritLabels, inputs, scheduleDate } = props as unknown as {
      labels: Record<string, string> | Array<{ key: string; value: string }>;
      namespace: string; flowId: string; revision?: number; wait: boolean; transmitFailed: boolean; inheritLabels: boolean; inputs: Record<string, unknown>; scheduleDate?: string;
    };
    return {
      // the inputs as written (templates): a deploy checks the names the child requires against them; each batch renders its own
      namespace, flowId, ...(revision !== undefined ? { revision } : {}), ...(scheduleDate !== undefined ? { scheduleDate } : {}), wait, transmitFailed, inheritLabels, inputs,
      labels: Array.isArray(labels) ? Object.fromEntries(labels.map((l) => [l.key, l.value])) : labels,
    };
  },
  batches(props) {
    return { splits: props.splits, inputs: (props as { inputs?: unknown }).inputs ?? {} };
  },
});
