import { AlreadyExistsError, copyPlain, isUnavailable, type ExecutionRecord, type Repository } from "@ferry/sdk";
import type { StartHere } from "../execution-service.js";
import type { ExecutorEvent } from "../messages.js";
import { SaveOutcomeUnknown } from "./save-outcome.js";

export interface StartHereDeps {
  repository: Repository;
  /** whether the executor takes events now (consuming, not stopping) */
  open(): boolean;
  /** an event handled as a delivery's: under the execution's lock, retried while the database is away */
  handle(event: ExecutorEvent): Promise<unknown>;
  /** the `created` event of a new execution not yet saved, under its lock: its save inserts the row, then calls `inserted` */
  handleNew(execution: ExecutionRecord, inserted: () => void): Promise<unknown>;
  /** a handler's failure for good: the execution fails (Executor.failOnError) */
  failOnError(event: ExecutorEvent, error: unknown): Promise<void>;
  onError?: (error: unknown) => void;
}

/**
 * The new executions of this process's ExecutionService, handled by its executor with no trip
 * through the queue (RELIABILITY.md, "A new execution's first event"), at most `limit` at once:
 * beyond the consumer's concurrency (a burst of creations: a backfill, a ForEachItem's batches)
 * the queue holds them, as it bounds every other event.
 */
export class StartingHere implements StartHere {
  private started = 0;

  constructor(
    private readonly deps: StartHereDeps,
    private readonly limit: number,
  ) {}

  private mayStart(): boolean {
    return this.deps.open() && this.started < this.limit;
  }

  /** ExecutionService.announce: the `created` event of an execution saved by this process */
  created(executionId: string): boolean {
    if (!this.mayStart()) return false;
    this.started++;
    const event: ExecutorEvent = { type: "created", executionId };
    // as a delivery's handler: one that throws for good fails the execution; that failing too is reported
    void this.deps
      .handle(event)
      .then(() => undefined, (error) => this.deps.failOnError(event, error))
      .catch((error) => this.deps.onError?.(error))
      .finally(() => this.started--);
    return true;
  }

  /**
   * ExecutionService.create: a new execution NOT yet saved, its `created` event handled here;
   * the event's save inserts its row with what the walk did (the first task run QUEUED): one
   * statement where a create and a save were two. Settles once written, `inserted` called first
   * ("exists": its id was taken, nothing written). Before that, a database out of reach rejects
   * once the executor found no row of this insert (Executor.handleNew polls for it: insertLanded)
   * — the caller answers 503; should the insert have landed and the database stayed away, it is
   * RUNNING with its job unsent, which the reconciler sends as a run left unclaimed — and any
   * other failure saves it as created, then fails it as a delivery's handler would.
   */
  startNew(execution: ExecutionRecord, inserted: () => void): Promise<"inserted" | "exists"> | undefined {
    if (!this.mayStart()) return undefined;
    this.started++;
    const event: ExecutorEvent = { type: "created", executionId: execution.id };
    return new Promise((resolve, reject) => {
      let written = false;
      const wrote = () => {
        written = true;
        inserted();
        resolve("inserted");
      };
      // the walk changes what it is given in place: `execution` stays as it was made, for the fallback below
      void this.deps
        .handleNew(copyPlain(execution), wrote)
        .catch(async (error: unknown) => {
          // written: what failed followed the save, as a delivery's handler's failure
          if (written) return this.deps.failOnError(event, error);
          if (error instanceof AlreadyExistsError) return resolve("exists");
          const cause = error instanceof SaveOutcomeUnknown ? error.cause : error;
          if (isUnavailable(cause) || !this.deps.open()) return reject(cause);
          try {
            await this.deps.repository.insertExecution({ ...execution, version: 0 });
          } catch (insertError) {
            return insertError instanceof AlreadyExistsError ? resolve("exists") : reject(insertError);
          }
          wrote();
          await this.deps.failOnError(event, error);
        })
        .catch((error: unknown) => this.deps.onError?.(error))
        .finally(() => this.started--);
    });
  }
}
