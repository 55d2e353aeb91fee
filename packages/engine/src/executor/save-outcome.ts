import { AlreadyExistsError, errorMessage, isUnavailable, OperationalError, type Repository } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";
import { sameSave } from "./result-fold.js";

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

/**
 * A new execution's insert whose answer was lost (the database went away under it): once the
 * database answers again (polled for ~16 s), a row that is this insert's means it landed (true,
 * the state at its version); no row, it did not (false: the create is refused); another
 * creator's row, its id was taken (AlreadyExistsError). Past the wait (or stopping), false: a
 * row that landed unanswered is RUNNING with its job unsent, which the reconciler sends.
 */
export async function insertLanded(state: ExecutionState, repository: Pick<Repository, "getExecution">, stopping: () => boolean): Promise<boolean> {
  const version = state.loadedVersion + (state.hasChanges() ? 1 : 0);
  for (let outage = 0; outage < 8 && !stopping(); outage++) {
    await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** outage)));
    let stored: Awaited<ReturnType<Repository["getExecution"]>>;
    try {
      stored = await repository.getExecution(state.execution.id);
    } catch (error) {
      if (isUnavailable(error)) continue;
      throw error;
    }
    if (!stored) return false;
    if ((stored.execution.version ?? 0) !== version || !sameSave(stored, state)) throw new AlreadyExistsError(`execution ${state.execution.id} exists already`);
    state.execution.version = version;
    return true;
  }
  return false;
}
