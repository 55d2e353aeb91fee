import { ENDED_TOPIC, type EndedMessage, type EngineEvents, type SavedRecords } from "@ferry/engine";
import { copyPlain, isTerminal, type Queue, type Repository, type Subscription } from "@ferry/sdk";

interface Waiting {
  /** when the first request began to wait (only what waited a poll interval is polled) */
  since: number;
  done: Set<(saved?: SavedRecords) => void>;
}

/**
 * Resolves when executions end. The local executor's events say so at once. With several
 * scheduler replicas, the one that ends an execution says so on the queue's `ended` topic,
 * so a request waiting on another replica answers at once too (a webhook lands on one
 * scheduler, its execution's last event is often handled by the other). Broadcasts are not
 * kept, so one shared poller is the net beneath them: it reads, one at a time, only the
 * executions awaited longer than its interval, so thousands of waiting requests never
 * flood the database (that feedback loop once starved the executor under overload).
 */
export class ExecutionWaiter {
  private readonly waiting = new Map<string, Waiting>();
  private timer?: ReturnType<typeof setInterval>;
  private polling = false;
  private subscription?: Subscription;

  /** `queue`: the queue shared with other schedulers (none in local mode: one process) */
  constructor(private readonly repository: Repository, events: EngineEvents, private readonly pollMs = 1000, private readonly queue?: Queue) {
    events.on("execution", (change) => {
      if (!isTerminal(change.state)) return;
      // this process saved the end: the requests answer from what it saved, no read back (a copy, made only when someone waits)
      this.release(change.executionId, this.waiting.has(change.executionId) ? change.saved?.() : undefined);
      // a lost broadcast leaves the other replicas' requests to their poller
      void this.queue?.broadcast<EndedMessage>(ENDED_TOPIC, { executionId: change.executionId }).catch(() => undefined);
    });
  }

  /** listens for executions ended by other schedulers */
  async start(): Promise<void> {
    this.subscription = await this.queue?.subscribe<EndedMessage>(ENDED_TOPIC, (message) => this.release(message.executionId));
  }

  /**
   * Resolves when the execution ends or the limit passes. When this process's executor saved
   * the end, with the execution and task runs it saved (each request its own copy): the
   * answer needs no read. Otherwise (the limit, another scheduler's end, the poll) with nothing.
   */
  wait(id: string, limitMs: number): Promise<SavedRecords | undefined> {
    return this.waitOwn(id, limitMs).ended;
  }

  /**
   * As `wait`, with a `cancel` that stops this request's wait alone (resolving it with nothing): other requests may
   * wait on the same id (a once-only start taken over under this request's id, a repeat awaiting it).
   */
  waitOwn(id: string, limitMs: number): { ended: Promise<SavedRecords | undefined>; cancel(): void } {
    let stop = () => {};
    const ended = new Promise<SavedRecords | undefined>((resolve) => {
      let waiting = this.waiting.get(id);
      if (!waiting) this.waiting.set(id, (waiting = { since: Date.now(), done: new Set() }));
      const { done: set } = waiting;
      const done = (saved?: SavedRecords) => {
        clearTimeout(limit);
        resolve(saved);
      };
      // the last request to give up on an execution that goes on (a Pause) forgets it:
      // the poller reads only what someone still waits for, and the map only what is awaited
      const leave = () => {
        clearTimeout(limit);
        set.delete(done);
        if (!set.size && this.waiting.get(id) === waiting) this.forget(id);
        resolve(undefined);
      };
      const limit = setTimeout(leave, limitMs);
      stop = leave;
      set.add(done);
      this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    });
    return { ended, cancel: () => stop() };
  }

  /** stops every wait for an execution that was never created (its request failed; an id no other request knows) */
  cancel(id: string): void {
    this.release(id);
  }

  private release(id: string, saved?: SavedRecords): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.forget(id);
    let first = true;
    for (const done of waiting.done) {
      // an answer may be shaped from what it is given: a second request gets a copy of its own
      done(saved && !first ? copyPlain(saved) : saved);
      first = false;
    }
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
      // what ends within an interval is told by an event; reading it would only load the database
      const before = Date.now() - this.pollMs;
      for (const [id, { since }] of [...this.waiting]) {
        if (since > before) continue;
        const found = await this.repository.getExecution(id).catch(() => undefined);
        if (found && isTerminal(found.execution.state.current)) this.release(id);
      }
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.subscription?.close();
  }
}
