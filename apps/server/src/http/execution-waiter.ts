import type { EngineEvents } from "@ferry/engine";
import { isTerminal, type Repository } from "@ferry/sdk";

/**
 * Resolves when executions end. The local executor's events say so at once; changes saved
 * by another scheduler replica are caught by one shared poller that reads one execution at
 * a time, so thousands of waiting requests never flood the database (that feedback loop
 * once starved the executor under overload).
 */
export class ExecutionWaiter {
  private readonly waiting = new Map<string, Set<() => void>>();
  private timer?: ReturnType<typeof setInterval>;
  private polling = false;

  constructor(private readonly repository: Repository, events: EngineEvents, private readonly pollMs = 1000) {
    events.on("execution", (change) => {
      if (isTerminal(change.state)) this.release(change.executionId);
    });
  }

  wait(id: string, limitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiting.get(id);
      if (!set) this.waiting.set(id, (set = new Set()));
      const done = () => {
        clearTimeout(limit);
        resolve();
      };
      const limit = setTimeout(() => {
        // the last request to give up on an execution that goes on (a Pause) forgets it:
        // the poller reads only what someone still waits for, and the map only what is awaited
        set!.delete(done);
        if (!set!.size && this.waiting.get(id) === set) this.forget(id);
        resolve();
      }, limitMs);
      set.add(done);
      this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    });
  }

  /** stops waiting for an execution that was never created (its request failed) */
  cancel(id: string): void {
    this.release(id);
  }

  private release(id: string): void {
    const set = this.waiting.get(id);
    if (!set) return;
    this.forget(id);
    for (const done of set) done();
  }

  private forget(id: string): void {
    this.waiting.delete(id);
    if (!this.waiting.size) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** how many executions are awaited (a footprint: back to 0 once every request has its answer) */
  get size(): number {
    return this.waiting.size;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const id of [...this.waiting.keys()]) {
        const found = await this.repository.getExecution(id).catch(() => undefined);
        if (found && isTerminal(found.execution.state.current)) this.release(id);
      }
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
