import type { ExecutionRecord, TaskRunRecord } from "@ferry/sdk";
import type { GroupedSave } from "./hot-statements.js";

interface Waiting extends GroupedSave {
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Execution saves waiting for the next write transaction (group commit). A save is one
 * transaction on its own, and SQLite's commit (the WAL append of the pages it touched) was the
 * largest item of local mode's profile at full speed: saves asked for in the same turn of the
 * event loop — other executions' events, requests arriving together — are written in one
 * transaction at the turn's end (`setImmediate`; see schedule), each in a savepoint of its own, so each keeps
 * its own outcome (a version conflict fails that save only). A save resolves once the
 * transaction holding it is committed, never before: what its caller does next (send the jobs,
 * answer the request) still follows a durable write, as with a transaction per save.
 */
export class SaveGroup {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** settled once the saves waiting now are written (or failed) */
  private written?: { promise: Promise<void>; resolve: () => void };

  /** `write` runs the saves taken (take()) in one transaction; called at the turn's end */
  constructor(private readonly write: () => void) {}

  /** `insert`: a new execution (Repository.insertExecution), refused when its id is taken */
  save(execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion: number | undefined, insert?: boolean): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.waiting.push({ execution, runs, expectedVersion, insert, done, failed });
      if (!this.written) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.written = { promise, resolve };
      }
      this.schedule(execution.id);
    });
  }

  get size(): number {
    return this.waiting.length;
  }

  /**
   * When saves wait, a promise settled once they are written: a read asked for after a save
   * waits for it (TransactionGate's writesAsked), so it sees the save, and a reader that loops
   * on reads alone (each answered in a microtask) cannot hold the write off for good.
   */
  asked(): Promise<void> | undefined {
    return this.written?.promise;
  }

  /** every save waiting, to be written in the caller's transaction; `settle` gives each its outcome (undefined: committed) */
  take(): { saves: readonly GroupedSave[]; settle: (errors: readonly unknown[]) => void; failed: (error: unknown) => void } {
    const taken = this.waiting;
    const written = this.written;
    this.waiting = [];
    this.written = undefined;
    return {
      saves: taken,
      settle: (errors) => {
        taken.forEach((w, i) => (errors[i] === undefined ? w.done() : w.failed(errors[i])));
        written?.resolve();
      },
      failed: (error) => {
        taken.forEach((w) => w.failed(error));
        written?.resolve();
      },
    };
  }

  private schedule(executionId: string): void {
    this.countTurn(executionId);
    if (this.scheduled) return;
    this.scheduled = true;
    const write = () => {
      this.scheduled = false;
      if (this.waiting.length) this.write();
    };
    // Saves of several executions (HTTP requests, other executions' events) meet only at the
    // turn's end. One execution's saves come one at a time (its events are handled in order), so
    // a lone chain of them — a ForEach's — would wait a turn each for nothing: after a turn that
    // saved one execution only, the write is made as soon as this callback's microtasks are done
    // (nextTick), which still groups the saves they ask for.
    if (this.severalLastTurn) setImmediate(write);
    else process.nextTick(write);
  }

  /** the first execution saved in this turn of the event loop, whether another was too, and in the turn before */
  private firstThisTurn?: string;
  private severalThisTurn = false;
  private severalLastTurn = false;

  private countTurn(executionId: string): void {
    if (this.firstThisTurn === undefined) {
      this.firstThisTurn = executionId;
      setImmediate(() => {
        this.severalLastTurn = this.severalThisTurn;
        this.firstThisTurn = undefined;
        this.severalThisTurn = false;
      });
    } else if (executionId !== this.firstThisTurn) {
      this.severalThisTurn = true;
    }
  }
}
