import type { Callable } from "@ferry/core";
import { errorLogsFunction, errorLogsOnWorkersOnly, type ErrorLogReader } from "./error-logs.function.js";
import { fileFunctions } from "./file-functions.js";
import type { JsonStore } from "./json-store.js";
import type { ContextRef } from "./messages.js";

/**
 * The functions every render context has that reach the runtime: the file functions (read,
 * fileURI, fileExists, fileSize, isFileEmpty) over the execution's and its namespace's files,
 * and errorLogs() where a log reader is given (workers; Kestra allows it there only).
 */
export function runtimeFunctions(ref: ContextRef, store: JsonStore, logs?: ErrorLogReader): Record<string, Callable> {
  return {
    ...fileFunctions({ storage: store.storage, namespace: ref.flow.namespace, flowId: ref.flow.id, executionId: ref.execution.id, filesPrefix: ref.filesPrefix }),
    errorLogs: logs ? errorLogsFunction(logs, ref.execution.id) : errorLogsOnWorkersOnly,
  };
}
