/**
 * Where an execution's documents live under its storage prefix
 * (`<namespace as path>/<flowId>/executions/<executionId>`). Outputs and plans sit flat in
 * the execution's folder, so a task run creates no folder of its own (folder creation
 * showed in benchmark profiles); files a task writes get a folder per task run.
 */
export const inputsKey = (prefix: string) => `${prefix}/inputs.json`;
export const triggerKey = (prefix: string) => `${prefix}/trigger.json`;
export const flowOutputsKey = (prefix: string) => `${prefix}/outputs.json`;
export const taskOutputsKey = (prefix: string, taskId: string, taskRunId: string) => `${prefix}/${taskId}.${taskRunId}.outputs.json`;
export const planKey = (prefix: string, taskId: string, taskRunId: string) => `${prefix}/${taskId}.${taskRunId}.plan.json`;
export const taskFilesPrefix = (prefix: string, taskId: string, taskRunId: string) => `${prefix}/files/${taskId}/${taskRunId}`;
