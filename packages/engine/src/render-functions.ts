import type { Callable } from "@ferry/core";
import { errorLogsFunction, errorLogsOnWorkersOnly, type ErrorLogReader } from "./error-logs.function.js";
import { fileFunctions, upstreamOf } from "./file-functions.js";
import { subflowInInputsOnly } from "./subflow.function.js";
import type { JsonStore } from "./json-store.js";
import type { ContextRef } from "./messages.js";

/**
 * The functions every render context has that reach the runtime: the file functions (read,
 * fileURI, fileExists, fileSize, isFileEmpty) over the execution's and its namespace's files,
 * errorLogs() where a log reader is given (workers; Kestra allows it there only), and subflow()
 * refused (an input's templates only).
 */
export function runtimeFunctions(ref: ContextRef, store: JsonStore, logs?: ErrorLogReader, trigger?: unknown): Record<string, Callable> {
  return {
    ...fileFunctions({ storage: store.storage, namespace: ref.flow.namespace, flowId: ref.flow.id, executionId: ref.execution.id, filesPrefix: ref.filesPrefix, trigger: upstreamOf(trigger) }),
    errorLogs: logs ? errorLogsFunction(logs, ref.execution.id) : errorLogsOnWorkersOnly,
    // what renders here has a `taskrun` or a `trigger`: Kestra's SubflowFunction refuses it so (an input's templates have the real one)
    subflow: subflowInInputsOnly,
  };
}
