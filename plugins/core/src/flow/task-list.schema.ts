import { z } from "@ferry/sdk";

/** a list of child tasks; the flow validator checks each task against its own type */
export const taskList = () => z.array(z.looseObject({ id: z.string(), type: z.string() }));

/**
 * Kestra's local `errors` and `finally` branches, which every flowable task takes: `errors`
 * runs under the task when its children failed, `finally` once they (and `errors`) ended.
 * They do not change the task's own state; the engine runs them (walker.ts).
 */
export const handlers = {
  errors: taskList().optional().describe("tasks run under this task when its children failed"),
  finally: taskList().optional().describe("tasks run under this task once its children (and errors) ended"),
};
export const HANDLER_LISTS = ["errors", "finally"];
