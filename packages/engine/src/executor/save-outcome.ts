import { errorMessage, OperationalError } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";

/** the save of `state` failed for want of the database: it may or may not have landed */
export class SaveOutcomeUnknown extends OperationalError {
  /** of a fold, how many results the save held */
  folded?: number;
  constructor(readonly state: ExecutionState, cause: unknown) {
    super(`the save of execution ${state.execution.id} went unanswered: ${errorMessage(cause)}`, { cause });
  }
}

/** a fold's save landed, and what follows it failed */
export class FoldedAfterSave extends Error {
  constructor(readonly folded: number, override readonly cause: unknown) {
    super(errorMessage(cause));
  }
}
