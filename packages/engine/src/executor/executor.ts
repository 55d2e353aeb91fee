import type { Flow, PluginRegistry, TaskSpec } from "@ferry/core";
import { findTask } from "@ferry/core";
import { AlreadyExistsError, ConflictError, copyPlain, errorMessage, NotFoundError, isTerminal, isUnavailable, UnexpectedError, type ExecutionRecord, type Queue, type Repository, type Subscription, type TaskRunRecord } from "@ferry/sdk";
import type { EngineEvents } from "../events.js";
import { CORRELATION_ID_LABEL, SYSTEM_LABEL_PREFIX, type ExecutionService } from "../execution-service.js";
import type { FlowStore } from "../flow-store.js";
import type { JsonStore } from "../json-store.js";
import { EXECUTOR_CHANNEL, jobId, jobsChannel, KILL_TOPIC, type ExecutorEvent, type KillMessage, type WorkerJob } from "../messages.js";
import { applyEvent, refuseStaleResult } from "./apply-event.js";
import { armedWakeupIds } from "./ended-wakeups.js";
import { jobOf } from "./job-of.js";
import { ExecutionState } from "./execution-state.js";
import { dispatchRun } from "./dispatch.js";
import { finishIfDone } from "./finish.js";
import { killPass } from "./kill.js";
import { failFromExecutor } from "./fail-from-executor.js";
import { timeoutWakeupKey } from "./flowable-timeout.js";
import { pauseWakeupId, resumePaused } from "./pause.js";
import { reviewApproval } from "./approval.js";
import { iterationMoved, pausedIteration } from "./loop-execution.js";
import { resumeCommand } from "../resume-request.js";
import { notRestartable, restart, startRestarted, type RestartDeps } from "./restart.js";
import { lateSubflowEnd } from "./subflow-end.js";
import { markAs, planMarkAs, type MarkAsState } from "./mark-as.js";
import { holdUntilScheduled, scheduledStartId } from "./scheduled-start.js";
import { NEW_EXECUTION_RETRY_HORIZON_MS, newExecutionRetries } from "./retry-wait.js";
import { checkAssertionSlas, checkMaxDurationSlas, slaWakeupId } from "./sla.js";
import { afterExecutionPending, walkAfterExecution } from "./after-execution.js";
import { admit, admitRestart, admitRestarted, isQueuedRestart, releaseIfEnded } from "./concurrency-limit.js";
import { heldRuns, SavedExecutions, type SavedExecution } from "./saved-executions.js";
import { FoldedAfterSave, insertLanded, SaveOutcomeUnknown } from "./save-outcome.js";
import { HeldTaskRun, inFlightPackedFromCount, plainTaskRun, repackHeld, unpackedCount } from "./held-task-run.js";
import { sharedFolderParent } from "./shared-folder.js";
import { StartingHere } from "./start-here.js";
import { settleEnded } from "./settle-ended.js";
import { appliesCleanly, foldsFurther, isResultOf, sameSave } from "./result-fold.js";
import { Walker, type WalkerDeps } from "./walker.js";
import { iterationFlow } from "./loop-execution.js";
import { SlicePacer } from "./slice-pacing.js";

/** what the API asks of an execution through its executor (never queued: handled in this process, under the execution's lock) */
export type ExecutorCommand =
  | { type: "restart"; executionId: string }
  /** Kestra's markAs: an ended execution's task run set to a state, and the execution carries on from there (mark-as.ts) */
  | { type: "mark-as"; executionId: string; taskRunId: string; state: MarkAsState }
  /** the execution's labels from now on, the whole set (running or ended) */
  | { type: "set-labels"; executionId: string; labels: Record<string, string> }
  /** the step after a restart or markAs saved the execution RESTARTED (Kestra's handleRestart): it goes RUNNING, its RESTARTED runs get their next attempt */
  | { type: "start-restarted"; executionId: string };

/** the executor's own ask, after handling `event` threw for good: the execution ends FAILED (fail-from-executor.ts) */
interface FailCommand {
  type: "fail-from-executor";
  executionId: string;
  event: string;
  error: unknown;
}

/**
 * Events handled on what this executor last saved (when it has it) instead of reading the
 * execution back: the steady flow of a running execution. Kills, restarts, reconciliation
 * and lost or stale work always read the repository.
 */
const FROM_MEMORY = new Set<string>(["created", "started", "result", "retry", "subflow-ended", "child", "loop-iteration", "continue"]);

/** at most this many results of one execution, waiting together in the queue, are saved as one (see processFolded) */
const FOLD_MAX = 32;

export interface ExecutorDeps {
  repository: Repository;
  queue: Queue;
  registry: PluginRegistry;
  store: JsonStore;
  flows: FlowStore;
  executions: ExecutionService;
  events: EngineEvents;
  onError?: (error: unknown) => void;
}

/**
 * Owns execution state. Consumes executor events, one execution at a time per execution
 * (a lock per id on top of the queue's per-key ordering), re-walks the execution's task
 * tree, saves what changed in one transaction, then sends jobs and notifications.
 */
export class Executor {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly saved = new SavedExecutions();
  /** jobs a reconcile sends again (QueueMessageOptions.resend) */
  private readonly resent = new WeakSet<WorkerJob>();
  private subscription?: Subscription;
  private stopping = false;
  /** new executions not yet saved, handled here (handleNew): their next save inserts the row, then calls this */
  private readonly unsaved = new Map<string, () => void>();
  private readonly pacer: SlicePacer;

  constructor(private readonly deps: ExecutorDeps) {
    this.pacer = new SlicePacer(deps.queue, deps.onError);
    // an execution created in this process starts from what was saved, not from a read-back
    deps.events.on("created", (execution) => this.saved.put(execution.id, { execution: copyPlain({ ...execution, version: execution.version ?? 0 }), taskRuns: [] }));
  }

  async start(concurrency = 32): Promise<void> {
    this.subscription = await this.deps.queue.consume<ExecutorEvent>(EXECUTOR_CHANNEL, (event, delivery) => {
      // results of this execution waiting behind this one (a ForEach's, all at once): handled together, saved once
      const more = event.type === "result" && delivery.following ? (delivery.following((m) => isResultOf(m, event.executionId), FOLD_MAX - 1) as ExecutorEvent[]) : [];
      // one that throws for good fails the execution (failOnError): all of them are this execution's
      return (more.length ? this.handleFolded([event, ...more]) : this.handle(event)).then(() => undefined, (error) => this.failOnError(event, error));
    }, {
      concurrency,
      onError: this.deps.onError,
      // an execution's next event to the scheduler that holds it (with several: no stale-version conflicts and re-reads)
      keyAffinity: true,
    });
    this.deps.executions.startHere(
      new StartingHere({
        repository: this.deps.repository,
        open: () => !this.stopping && Boolean(this.subscription),
        handle: (event) => this.handle(event),
        handleNew: (execution, inserted) => this.handleNew(execution, inserted),
        failOnError: (event, error) => this.failOnError(event, error),
        onError: this.deps.onError,
      }, concurrency),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.pacer.stop();
    this.deps.executions.startHere(undefined);
    await this.subscription?.close();
    await Promise.allSettled([...this.locks.values()]);
  }

  /** a new execution's `created` event, its row not yet saved (StartingHere.startNew): its save inserts it, then calls `inserted` */
  private handleNew(execution: ExecutionRecord, inserted: () => void): Promise<void> {
    const id = execution.id;
    return this.underLock(id, async () => {
      // under the lock: an execution of this id handled here already (its id taken) saves as before until this insert is refused
      this.unsaved.set(id, inserted);
      try {
        const state = await this.processOn({ type: "created", executionId: id }, { execution: { ...execution, version: 0 }, taskRuns: [] }, true).catch(async (error: unknown) => {
          // the insert's answer was lost: landed after all, what follows it is owed (as finishIfSaved)
          if (!(error instanceof SaveOutcomeUnknown) || !(await insertLanded(error.state, this.deps.repository, () => this.stopping))) throw error;
          this.unsaved.delete(id);
          inserted();
          await this.afterSave(error.state);
          return error.state;
        });
        if (this.unsaved.has(id)) throw new UnexpectedError(`the first event of execution ${id} saved nothing`);
        this.keep(id, state === "recheck" ? undefined : state);
      } catch (error) {
        // refused as taken: what this process remembers of it is the other one's, still good
        if (!(error instanceof AlreadyExistsError)) this.saved.forget(id);
        repackHeld(id, false);
        throw error;
      } finally {
        this.unsaved.delete(id);
      }
    });
  }

  /** re-dispatches what a stopped process left unfinished (local mode keeps no queue) */
  async reconcile(): Promise<number> {
    // slots held by executions that ended while this process died are free again
    await this.deps.repository.repairConcurrencySlots();
    const ids = (await this.deps.repository.listUnfinishedExecutions()).map((e) => e.id);
    for (const id of ids) {
      const event: ExecutorEvent = { type: "reconcile", executionId: id };
      // one that cannot be reconciled fails (failOnError) rather than keep the process from starting
      await this.handle(event).catch((error) => this.failOnError(event, error));
    }
    // new executions of flows retried that way were timers in the stopped process
    for (const { executionId, delayMs } of await newExecutionRetries(this.deps.repository)) {
      await this.deps.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "retry-execution", executionId }, { key: executionId, delayMs });
    }
    return ids.length;
  }

  /** frees the concurrency slots of ended executions and tells waiting ones a slot is free (lost releases and admissions) */
  async repairConcurrency(): Promise<void> {
    const { admissible } = await this.deps.repository.repairConcurrencySlots();
    for (const id of admissible) await this.deps.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "admit", executionId: id }, { key: id });
  }

  /**
   * Handles one event under the execution's lock; answers the execution after it. Another
   * executor (a second scheduler) may save the same execution in between: the save then
   * conflicts and the event is handled again on what that executor saved.
   */
  /** what the executor holds between events (a footprint: back to what it was once its executions ended) */
  footprint(): { locks: number; saved: number; unpacked: number; paced: number } {
    return { locks: this.locks.size, saved: this.saved.size, unpacked: unpackedCount(), paced: this.pacer.size };
  }

  async handle(event: ExecutorEvent | ExecutorCommand): Promise<ExecutionState | undefined> {
    const state = await this.underLock(event.executionId, () => this.processWithRetry(event));
    // saved RESTARTED (what the caller is answered); the executor's next step starts it (a reconcile does, should this process die first)
    if (state?.restarted && state.restarted.execution.state.current === "RESTARTED") {
      await this.underLock(event.executionId, () => this.processWithRetry({ type: "start-restarted", executionId: event.executionId }));
    }
    return state;
  }

  /**
   * An event from the queue whose handling threw for good (not for want of the database, not
   * a conflict with another executor): acknowledged, it would be gone, its execution RUNNING
   * for good. The execution ends FAILED instead, the error logged against it, as Kestra's
   * executor does (`handleFailedExecutionFromExecutor`). Should that fail too, the error goes
   * on to the queue's error handler and the execution is left to the reconciler.
   */
  private async failOnError(event: ExecutorEvent, error: unknown): Promise<void> {
    if (this.stopping || isUnavailable(error) || (error instanceof ConflictError && /saved by another executor/.test(error.message))) throw error;
    this.deps.onError?.(error);
    const fail: FailCommand = { type: "fail-from-executor", executionId: event.executionId, event: event.type, error };
    await this.underLock(fail.executionId, () => this.processWithRetry(fail));
  }

  /**
   * Results of one execution that waited in the queue together, in order, under its lock: as
   * many as fold cleanly are applied one by one, each followed by its walk as its own event
   * would be, and saved once; the rest are handled one at a time, as without folding.
   */
  handleFolded(events: ExecutorEvent[]): Promise<void> {
    return this.underLock(events[0].executionId, () => this.processFolded(events));
  }

  private underLock<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const next = previous.then(work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return next;
  }

  private async processWithRetry(event: ExecutorEvent | ExecutorCommand | FailCommand): Promise<ExecutionState | undefined> {
    let unsure: ExecutionState | undefined;
    for (let attempt = 1, outage = 0; ; attempt++) {
      try {
        if (unsure) {
          const finished = await this.finishIfSaved(unsure);
          unsure = undefined;
          if (finished) return finished;
        }
        return await this.process(event);
      } catch (error) {
        if (error instanceof SaveOutcomeUnknown) unsure = error.state;
        // the database (or Redis) is out of reach: hold the event and try again once it is back,
        // rather than drop it and leave the execution to the reconciler's staleness net
        if (isUnavailable(error) && !this.stopping) {
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** outage++)));
          continue;
        }
        if (!(error instanceof ConflictError) || !/saved by another executor/.test(error.message) || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  private async process(event: ExecutorEvent | ExecutorCommand | FailCommand, fresh = false): Promise<ExecutionState | undefined> {
    const id = event.executionId;
    const remembered = !fresh && FROM_MEMORY.has(event.type) ? this.saved.take(id) : undefined;
    try {
      const state = await this.processOn(event, remembered ?? heldRuns(await this.deps.repository.getExecution(id)), Boolean(remembered));
      if (state === "recheck") {
        repackHeld(id, false);
        return this.process(event, true);
      }
      this.keep(id, state);
      return state;
    } catch (error) {
      this.saved.forget(id);
      repackHeld(id, false);
      throw error;
    }
  }

  /** after an event: a running execution's records are kept for the next, packed */
  private keep(id: string, state: ExecutionState | undefined): void {
    if (state && !state.ended && !isTerminal(state.execution.state.current) && state.committed) {
      // what ended in this event, and what a read unpacked, is held packed until the next
      const inFlight = state.dirty.size >= inFlightPackedFromCount();
      for (const run of state.dirty) if (run instanceof HeldTaskRun) run.pack(inFlight);
      repackHeld(id, true);
      this.saved.put(id, { execution: state.execution, taskRuns: state.taskRuns, index: state.index, ...(state.moreToStart && state.pacedBy?.length ? { pacedBy: state.pacedBy } : {}) });
    }
    // an event read from the repository (a kill, a wake-up) that ended it leaves no copy behind
    else if (state && (state.ended || isTerminal(state.execution.state.current))) this.saved.forget(id);
    repackHeld(id, false);
  }

  /**
   * Results folded (handleFolded). Profile of a ForEach over 10,000 values with no concurrency
   * limit: each result was an event with its own save (a transaction, the execution's row and
   * its index rewritten) while the next results already waited behind it. Exactness: each
   * folded result is one that applies (its attempt is the current one and running), applied
   * in order and followed by the walk its own event would make, on the records as the events
   * before it left them; only the save and what follows it (jobs, notifications) are made
   * once, after the last. A result that would not apply cleanly, or a step that asked for more
   * than jobs and logs (a child execution, a kill, the execution's end…), ends the fold there.
   * Nothing is saved of a fold that fails before its save: its results are then handled one
   * by one from the repository, as without folding.
   */
  private async processFolded(events: ExecutorEvent[]): Promise<void> {
    let folded = 0;
    let failure: { error: unknown } | undefined;
    try {
      folded = await this.fold(events);
    } catch (error) {
      if (error instanceof FoldedAfterSave) {
        // saved, then what follows the save failed: as a single event's failure, reported; the rest go on
        folded = error.folded;
        failure = { error: error.cause };
      } else if (error instanceof SaveOutcomeUnknown) {
        folded = (await this.finishFoldIfSaved(error.state)) ? error.folded ?? 0 : 0;
      } else {
        // nothing saved (a conflict, a failed step): each result on its own, from the repository
        folded = 0;
      }
    }
    for (const event of events.slice(folded)) await this.processWithRetry(event);
    if (failure) throw failure.error;
  }

  /** a folded save went unanswered: whether it landed (then what follows it is done now), retried while the database is away */
  private async finishFoldIfSaved(state: ExecutionState): Promise<boolean> {
    for (let outage = 0; ; ) {
      try {
        const finished = await this.finishIfSaved(state);
        this.keep(state.execution.id, finished ?? undefined);
        return Boolean(finished);
      } catch (error) {
        if (!isUnavailable(error) || this.stopping) throw error;
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** outage++)));
      }
    }
  }

  /** applies the results that fold cleanly on what was last saved, saves them once; answers how many it saved */
  private async fold(events: ExecutorEvent[]): Promise<number> {
    const id = events[0].executionId;
    const loaded = this.saved.take(id);
    if (!loaded) return 0;
    const flow = loaded.execution.kind === "LOOP" ? undefined : await this.deps.flows.get(loaded.execution.namespace, loaded.execution.flowId, loaded.execution.flowRevision).catch(() => undefined);
    const state = flow && new ExecutionState(loaded.execution, loaded.taskRuns, flow, loaded.index);
    if (!state || state.execution.state.current !== "RUNNING" || !appliesCleanly(state, events[0])) {
      // untouched: kept for the events' own handling
      this.saved.put(id, loaded);
      return 0;
    }
    let applied = 0;
    try {
      await this.pacer.budget(state, loaded.pacedBy);
      for (const event of events) {
        if (applied > 0 && (!foldsFurther(state) || !appliesCleanly(state, event))) break;
        await applyEvent(state, event, this.applyDeps(state));
        await this.advance(state);
        applied++;
      }
      await this.commit(state);
    } catch (error) {
      this.saved.forget(id);
      repackHeld(id, false);
      if (error instanceof SaveOutcomeUnknown) error.folded = applied;
      if (state.committed) throw new FoldedAfterSave(applied, error);
      throw error;
    }
    this.keep(id, state);
    return applied;
  }

  private applyDeps(state: ExecutionState) {
    return {
      store: this.deps.store,
      flows: this.deps.flows,
      repository: this.deps.repository,
      registry: this.deps.registry,
      taskOf: (run: TaskRunRecord) => this.taskOf(state, run),
      dispatch: (run: TaskRunRecord) => this.dispatch(state, run),
      // a WorkingDirectory's child is never sent alone: its WorkingDirectory's job is sent again
      resend: (run: TaskRunRecord) => {
        if (sharedFolderParent(state, run, (r) => this.taskOf(state, r), this.deps.registry)) return;
        const job = this.jobFor(state, run);
        // sent as a resend: it goes through once the first send was acknowledged (its outcome lost), not while it waits or runs
        this.resent.add(job);
        state.jobs.push(job);
      },
    };
  }

  private async processOn(
    event: ExecutorEvent | ExecutorCommand | FailCommand,
    loaded: SavedExecution | undefined,
    remembered: boolean,
  ): Promise<ExecutionState | "recheck" | undefined> {
    if (!loaded) return undefined;
    const { execution, taskRuns } = loaded;
    if (event.type === "set-labels") {
      // labels are the execution's own: no flow needed, whatever state it is in
      const state = new ExecutionState(execution, taskRuns, { id: execution.flowId, namespace: execution.namespace, tasks: [] });
      state.execution.labels = event.labels;
      state.touch();
      await this.commit(state);
      return state;
    }
    let flow;
    try {
      flow = await this.deps.flows.get(execution.namespace, execution.flowId, execution.flowRevision);
      // a Loop's iteration walks its Loop's lists (loop-execution.ts)
      if (execution.kind === "LOOP") flow = iterationFlow(flow, execution.loopRun!.taskId, this.deps.registry);
    } catch (error) {
      // the flow revision is gone or no longer parses (a plugin was removed): fail clearly
      const state = new ExecutionState(execution, taskRuns, { id: execution.flowId, namespace: execution.namespace, tasks: [] });
      if (!isTerminal(execution.state.current)) {
        state.log("ERROR", `cannot load flow: ${errorMessage(error)}`);
        state.setExecutionState("FAILED");
        state.ended = true;
        await this.commit(state);
      }
      return state;
    }
    const state = new ExecutionState(execution, taskRuns, flow, loaded.index);
    await this.pacer.budget(state, loaded.pacedBy);
    if (event.type === "fail-from-executor") {
      await failFromExecutor(state, new Walker(state, this.walkerDeps(state)), event.event, event.error);
      await this.commit(state);
      return state;
    }
    if (event.type === "retry-execution") {
      if (execution.state.current !== "RETRIED") return state;
      const early = execution.retryAt ? Date.parse(execution.retryAt) - Date.now() : 0;
      // asked before it is due (a wait armed again by a reconciler whose clock runs ahead): wait what is left
      if (early > 1000) await this.deps.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, event, { key: execution.id, delayMs: early });
      else await this.retryInNewExecution(loaded, flow);
      return state;
    }
    if (event.type === "restart") {
      const paused = execution.state.current === "PAUSED";
      const refused = notRestartable(execution);
      if (refused) throw new ConflictError(refused);
      // RESTARTED first, as Kestra's service makes it; under a concurrency limit it may then wait QUEUED (restarted once
      // admitted, in advance) or end CANCELLED/FAILED; a PAUSED one holds its slot still (restart-paused.ts)
      state.setExecutionState("RESTARTED");
      if (!paused && !(await admitRestarted(state, this.deps.repository))) {
        await this.commit(state);
        return state;
      }
      await restart(state, this.restartDeps(state));
      return this.commitRestarted(state);
    } else if (event.type === "mark-as") {
      const plan = planMarkAs(state, event.taskRunId, event.state);
      const refused = await admitRestart(state, this.deps.repository);
      if (refused) throw new ConflictError(refused);
      markAs(state, plan);
      return this.commitRestarted(state);
    } else if (event.type === "start-restarted") {
      if (state.execution.state.current !== "RESTARTED") return state; // a reconcile started it meanwhile
    } else if (event.type === "review") {
      const run = state.byId(event.taskRunId);
      await reviewApproval(state, event.taskRunId, run && this.taskOf(state, run), event, this.deps.store);
    } else if (event.type === "resume") {
      const run = state.byId(event.taskRunId);
      try {
        await resumePaused(state, event.taskRunId, run && this.taskOf(state, run), event.onResume, this.deps.store);
      } catch (error) {
        // the API answers its caller; a Resume task of another execution already ended: its refusal is logged here
        if (!event.by || !(error instanceof ConflictError)) throw error;
        state.log("WARN", `resume asked by execution ${event.by} refused: ${error.message}`);
        await this.commit(state);
        return state;
      }
    } else {
      if (isTerminal(execution.state.current) && !afterExecutionPending(state)) {
        // nothing changes an ended execution (but its afterExecution tasks); a stale attempt's late result still leaves a trace
        if (refuseStaleResult(state, event)) await this.deps.repository.appendLogs(state.logs);
        // but for a Subflow run whose child ended again (restarted, a task run marked): it takes the child's end (subflow-end.ts)
        else if (event.type === "subflow-ended" && (await lateSubflowEnd(state, event, (await this.deps.repository.getExecution(event.childExecutionId)) ?? undefined, this.applyDeps(state)))) await this.commit(state);
        return state;
      }
      await applyEvent(state, event, this.applyDeps(state));
    }
    await this.advance(state);
    // a `continue` that found its branches started (by a result's walk meanwhile) has nothing to check again
    if (remembered && !state.hasChanges() && event.type !== "continue" && !this.unsaved.has(execution.id)) return "recheck";
    await this.commit(state);
    return state;
  }

  /** a restart or markAs saved RESTARTED, as Kestra's service answers it: the copy kept is what the API answers */
  private async commitRestarted(state: ExecutionState): Promise<ExecutionState> {
    await this.commit(state);
    state.restarted = structuredClone({ execution: state.execution, taskRuns: state.taskRuns.map(plainTaskRun) });
    return state;
  }

  /** retry.behavior CREATE_NEW_EXECUTION, once its delay passed: the flow runs again, once however often the event comes */
  private async retryInNewExecution(source: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] }, flow: Flow): Promise<void> {
    // claimed in the new execution's name: asked twice, or by two schedulers, the flow still runs once; a crash
    // between the claim and the save leaves the claim naming an execution not made yet, which the next ask makes
    const expires = new Date(Date.now() + NEW_EXECUTION_RETRY_HORIZON_MS).toISOString();
    const claim = await this.deps.repository.claim(`retry-execution:${source.execution.id}`, this.deps.executions.newId(), expires);
    if (!claim.won && (await this.deps.repository.getExecution(claim.executionId))) return;
    await this.deps.executions.replay(source, flow, undefined, claim.executionId);
  }

  private walkerDeps(state: ExecutionState): WalkerDeps {
    const functions = this.deps.executions.inputFunctionsFor(state.flow.namespace);
    return {
      registry: this.deps.registry,
      store: this.deps.store,
      ...(functions ? { functions } : {}),
      dispatch: (_s, run) => this.dispatch(state, run),
      startSubflow: async (s, run, target) => {
        const child = await this.deps.flows.get(target.namespace, target.flowId, target.revision);
        const parentLabels = Object.entries(s.execution.labels);
        const task = this.taskOf(s, run);
        // as Kestra's ExecutableUtils.subflowExecution: the parent's system labels always pass on (one correlation
        // id down a chain); with inheritLabels its other labels too, but for those the child flow sets itself
        const inherited = target.inheritLabels ? Object.fromEntries(parentLabels.filter(([key]) => !key.startsWith(SYSTEM_LABEL_PREFIX) && !(key in (child.labels ?? {})))) : {};
        const request = {
          id: this.deps.executions.newId(),
          flow: child,
          inputs: target.inputs,
          labels: { ...inherited, ...target.labels },
          systemLabels: { ...Object.fromEntries(parentLabels.filter(([key]) => key.startsWith(SYSTEM_LABEL_PREFIX))), [CORRELATION_ID_LABEL]: s.execution.labels[CORRELATION_ID_LABEL] ?? s.execution.id },
          parent: { executionId: s.execution.id, taskRunId: run.id },
          ...(target.scheduleDate !== undefined ? { scheduleDate: target.scheduleDate } : {}),
          trigger: {
            id: run.taskId,
            type: task?.type ?? "io.kestra.plugin.core.flow.Subflow",
            variables: {
              executionId: s.execution.id, namespace: s.execution.namespace, flowId: s.execution.flowId, flowRevision: s.execution.flowRevision, taskRunId: run.id, taskId: run.taskId,
              ...(run.value !== undefined ? { taskRunValue: run.value } : {}),
              ...(target.iteration !== undefined ? { taskRunIteration: target.iteration } : {}),
            },
          },
        };
        await this.deps.executions.validate(request); // bad inputs fail the task now, before anything is written
        s.children.push(request);
        return request.id;
      },
      resume: async (s, request) => {
        // checked now, so that the task fails on what would be refused; then resumed under the
        // execution's own lock, by an event that follows this save (this execution's too: a Pause in another branch)
        const own = request.executionId === s.execution.id;
        const asked = own ? { execution: s.execution, taskRuns: s.taskRuns } : await this.deps.repository.getExecution(request.executionId);
        if (!asked || asked.execution.namespace !== request.namespace || asked.execution.flowId !== request.flowId) {
          throw new NotFoundError(`No execution found for execution id ${request.executionId} of flow ${request.namespace}.${request.flowId}`);
        }
        // paused by a Loop: its paused iteration's sub-execution is the one resumed (Kestra's Resume task goes through ExecutionService.resume, as the API does)
        const found = own ? asked : await pausedIteration(this.deps.repository, asked);
        const flow = own ? s.flow : await this.deps.flows.get(found.execution.namespace, found.execution.flowId, found.execution.flowRevision);
        const command = await resumeCommand(found, flow, this.deps.registry, request.inputs ?? {}, { functions: this.deps.executions.inputFunctionsFor(found.execution.namespace) });
        s.resumes.push({ ...command, by: s.execution.id });
      },
    };
  }

  private restartDeps(state: ExecutionState): RestartDeps {
    return { taskOf: (run) => this.taskOf(state, run), store: this.deps.store };
  }

  private async advance(state: ExecutionState): Promise<void> {
    const current = state.execution.state.current;
    if (isTerminal(current)) {
      // only an execution with afterExecution tasks still going got here: the last to end ends it
      if (state.flow.afterExecution?.length) await finishIfDone(state, new Walker(state, this.walkerDeps(state)), this.deps.store);
      return;
    }
    // a scheduleDate still ahead: it waits CREATED, taking no slot (scheduled-start.ts)
    if (current === "CREATED" && holdUntilScheduled(state)) return;
    if (current === "CREATED" || current === "QUEUED" || current === "RESTARTED") {
      // a restart took its slot already (admitRestart): taking it again answers the one it has
      if (!(await admit(state, this.deps.repository))) {
        // refused a slot (CANCEL, FAIL): ended without a task, but for its afterExecution tasks
        if (isTerminal(state.execution.state.current)) await walkAfterExecution(state, new Walker(state, this.walkerDeps(state)));
        return;
      }
      if (current === "CREATED") state.setExecutionState("RUNNING");
      else {
        // a restart that waited QUEUED for its slot restarts now (RESTARTED); then, as a restart's, a replay's or a
        // markAs's execution: RUNNING, its RESTARTED runs sent (Kestra's handleRestart)
        if (isQueuedRestart(state)) await restart(state, this.restartDeps(state));
        startRestarted(state, (run) => this.dispatch(state, run));
      }
    }
    if (current !== "KILLING" && ((state.checkSlaDurations && (await checkMaxDurationSlas(state, this.deps.store))) || (await checkAssertionSlas(state, this.deps.store)))) {
      await finishIfDone(state, new Walker(state, this.walkerDeps(state)), this.deps.store);
      return;
    }
    if (current === "KILLING") {
      await killPass(state, new Walker(state, this.walkerDeps(state)));
      return;
    }
    await finishIfDone(state, new Walker(state, this.walkerDeps(state)), this.deps.store);
    // an Exit task with state KILLED asked for the kill during the walk
    if (state.execution.state.current === "KILLING") await killPass(state, new Walker(state, this.walkerDeps(state)));
  }

  /** a Loop's iteration: its sub-execution saved (unless a reconcile finds it was meanwhile), then handled as any new execution */
  private async createIteration(iteration: ExecutionRecord): Promise<void> {
    await this.deps.repository.saveExecution(iteration);
    this.deps.events.emit("created", iteration);
    await this.deps.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "created", executionId: iteration.id }, { key: iteration.id });
  }

  private taskOf(state: ExecutionState, run: TaskRunRecord): TaskSpec | undefined {
    return findTask([state.flow.tasks, state.flow.errors, state.flow.finally, state.flow.afterExecution], run.taskId, this.deps.registry);
  }

  /** an attempt added and the task run queued for a worker (dispatch.ts) */
  private dispatch(state: ExecutionState, run: TaskRunRecord): void {
    dispatchRun(state, run, (r) => this.taskOf(state, r), this.deps.registry);
  }

  /** the job of a task run's current attempt, as a worker takes it */
  private jobFor(state: ExecutionState, run: TaskRunRecord): WorkerJob {
    return jobOf(state, run, (r) => this.taskOf(state, r), this.deps.registry);
  }

  /** the channel a task run's jobs go to: its worker group's */
  private channelOf(state: ExecutionState, run: TaskRunRecord): string {
    return jobsChannel(this.taskOf(state, run)?.workerGroup?.key ?? "default");
  }

  /**
   * The database went away while it saved this state: the save may have landed, its answer
   * lost. When it did (the stored version is the one this save made, with its changes), the
   * jobs, children and notifications that follow a save are still owed: send them now. A
   * fresh pass would find nothing to change, and send nothing.
   */
  private async finishIfSaved(state: ExecutionState): Promise<ExecutionState | undefined> {
    const stored = await this.deps.repository.getExecution(state.execution.id);
    if (!stored || (stored.execution.version ?? 0) !== state.loadedVersion + 1 || !sameSave(stored, state)) return undefined;
    state.execution.version = state.loadedVersion + 1;
    await this.afterSave(state);
    return state;
  }

  private async commit(state: ExecutionState): Promise<void> {
    const inserted = this.unsaved.get(state.execution.id);
    if (inserted) return this.insertFirst(state, inserted);
    if (state.hasChanges()) {
      try {
        // plain records: a repository may copy what it is given (structuredClone drops a HeldTaskRun's accessors)
        await this.deps.repository.saveExecution(state.execution, [...state.dirty].map(plainTaskRun), { expectedVersion: state.loadedVersion });
      } catch (error) {
        throw isUnavailable(error) ? new SaveOutcomeUnknown(state, error) : error;
      }
      state.execution.version = state.loadedVersion + 1;
    }
    await this.afterSave(state);
  }

  /** a new execution's first save (startNew): its row, at the version a save would leave, and its task runs inserted at once */
  private async insertFirst(state: ExecutionState, inserted: () => void): Promise<void> {
    const version = state.loadedVersion + (state.hasChanges() ? 1 : 0);
    try {
      await this.deps.repository.insertExecution({ ...state.execution, version }, [...state.dirty].map(plainTaskRun));
    } catch (error) {
      throw isUnavailable(error) ? new SaveOutcomeUnknown(state, error) : error;
    }
    this.unsaved.delete(state.execution.id);
    state.execution.version = version;
    inserted();
    await this.afterSave(state);
  }

  /** what follows a save: logs, jobs, children, delayed events, notifications */
  private async afterSave(state: ExecutionState): Promise<void> {
    const { repository, queue, events } = this.deps;
    state.committed = true;
    for (const next of await releaseIfEnded(state, repository)) await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "admit", executionId: next }, { key: next });
    if (state.removed.length) await repository.deleteTaskRuns(state.execution.id, state.removed);
    for (const child of state.children) {
      // created again when this save's answer was lost and the event handled anew: the id may be taken
      await this.deps.executions.create({ ...child, idMayBeTaken: true }).catch(async (error) => {
        // the parent's task run learns of it as a child that ended before it began
        this.deps.onError?.(error);
        await queue.send<ExecutorEvent>(
          EXECUTOR_CHANNEL,
          { type: "subflow-ended", executionId: state.execution.id, taskRunId: child.parent!.taskRunId, childExecutionId: child.id! },
          { key: state.execution.id },
        );
      });
    }
    // a Loop's iterations: saved as they are, then announced as any new execution is
    for (const iteration of state.iterations) await this.createIteration(iteration);
    for (const { executionId, taskRunId, loop } of state.childRestarts) {
      await this.handle({ type: "restart", executionId }).catch(async (error) => {
        // refused (its flow's concurrency limit…): the run learns the child ended as it was, and fails with it
        state.log("ERROR", `${loop ? "loop iteration" : "subflow"} execution ${executionId} could not be restarted: ${errorMessage(error)}`, state.byId(taskRunId));
        const event: ExecutorEvent = loop
          ? { type: "loop-iteration", executionId: state.execution.id, taskRunId, childExecutionId: executionId }
          : { type: "subflow-ended", executionId: state.execution.id, taskRunId, childExecutionId: executionId };
        await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, event, { key: state.execution.id });
      });
    }
    if (state.logs.length) await repository.appendLogs(state.logs);
    // a job is sent once per attempt until the attempt ends (fencing: a re-send is never a second run).
    // The jobs (in order) and the settles of the attempts that ended go out together: on Redis one
    // write, where waiting for the jobs' replies before settling was a second round trip per event
    // (every result that starts the next task). The settles' answer is awaited last, after the end
    // is told (`execution` below): an execution's last event waited a round trip for marks its
    // answer does not need (BENCHMARKS.md "Distributed mode", Round 14). A failure of any is the
    // event's failure, as before; sends with an id and settles may be made again. A mark a failed
    // settle leaves is forgotten after its TTL and holds back only a send of that attempt's job,
    // which an ended attempt never gets again (RELIABILITY.md, "An execution's end").
    // Each job is let go once handed to the queue (which holds its own copy): a ForEach with no
    // concurrency limit sends 100,000 in one event, all held until the last was sent (issue #18.1).
    if (state.moreToStart) this.pacer.remember(state, state.jobs);
    const jobs = state.jobs as (WorkerJob | undefined)[];
    const sent = jobs.map((job, i) => {
      jobs[i] = undefined;
      return queue.send(jobsChannel(job!.task.workerGroup?.key ?? "default"), job!, { id: jobId(job!.taskRunId, job!.attempt), ...(this.resent.has(job!) ? { resend: true } : {}) });
    });
    const settles = [settleEnded(state, this.deps.queue, (run) => this.channelOf(state, run))];
    // awaited last; until then a rejection is no unhandled one (the event fails with it there)
    settles[0].catch(() => undefined);
    await Promise.all(sent);
    jobs.length = 0;
    if (state.moreToStart) await this.pacer.next(state);
    if (state.newExecutionRetry) {
      const id = state.execution.id;
      await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "retry-execution", executionId: id }, { key: id, delayMs: state.newExecutionRetry.delayMs });
    }
    // A settle that no send of the same id follows in this event is answered last, with the jobs'
    // (above): awaited before the sends, its failure (Redis out of reach) failed the event after the
    // save, and the event handled again found nothing to change: the end was never told (a flow
    // ending in a Sleep, an SLA's end). One a re-arm follows goes first: the re-arm is dropped while
    // the mark is held.
    const settleNow = async (ids: string[], rearmed: boolean) => {
      if (!queue.settle) return;
      const settled = queue.settle(EXECUTOR_CHANNEL, ids);
      if (rearmed) return settled;
      settled.catch(() => undefined);
      settles.push(settled);
    };
    // the start that came is done with (an early one is sent again below); a re-arm while one is outstanding is dropped
    if (state.scheduledArrived) await settleNow([scheduledStartId(state.execution.id)], state.scheduledStart !== undefined);
    if (state.scheduledStart) {
      const id = state.execution.id;
      await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "scheduled-start", executionId: id }, { key: id, delayMs: state.scheduledStart.delayMs, id: scheduledStartId(id) });
    }
    if (state.pauseSettles.length) await settleNow(state.pauseSettles.map(pauseWakeupId), state.pauseWakeups.length > 0);
    // the SLA wake-up that came is done with (one early, clocks apart, is then sent again); a reconcile's re-send is dropped while one is outstanding
    if (state.slaArrived) await settleNow([slaWakeupId(state.execution.id, state.slaArrived)], state.slaWakeups.length > 0);
    for (const { slaId, delayMs } of state.slaWakeups) {
      await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "sla-due", executionId: state.execution.id, slaId }, { key: state.execution.id, delayMs, id: slaWakeupId(state.execution.id, slaId) });
    }
    for (const { taskRunId, delayMs, timeout } of state.pauseWakeups) {
      const event: ExecutorEvent = { type: "pause-elapsed", executionId: state.execution.id, taskRunId, ...(timeout ? { timeout } : {}) };
      await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, event, { key: state.execution.id, delayMs, id: pauseWakeupId(timeout ? timeoutWakeupKey(taskRunId) : taskRunId) });
    }
    for (const resume of state.resumes) await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, resume, { key: resume.executionId });
    for (const retry of state.delayed) {
      await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "retry", executionId: state.execution.id, ...retry }, { key: state.execution.id, delayMs: retry.delayMs });
    }
    if (state.workerKills.length) await queue.broadcast<KillMessage>(KILL_TOPIC, { executionId: state.execution.id, taskRuns: state.workerKills });
    for (const child of state.childKills) await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "kill", executionId: child }, { key: child });
    const { execution } = state;
    if (execution.kind === "LOOP" && execution.parent && iterationMoved(state)) {
      // a Loop's iteration paused, ran again or ended: its Loop hears it
      const { executionId, taskRunId } = execution.parent;
      await queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "loop-iteration", executionId, taskRunId, childExecutionId: execution.id }, { key: executionId });
    } else if (state.ended && execution.parent) {
      await queue.send<ExecutorEvent>(
        EXECUTOR_CHANNEL,
        { type: "subflow-ended", executionId: execution.parent.executionId, taskRunId: execution.parent.taskRunId, childExecutionId: execution.id },
        { key: execution.parent.executionId },
      );
    }
    if (state.ended && queue.settle) {
      // after every send of this event, answered as the ended attempts' marks are: a wake-up that still comes finds the execution ended
      const ids = armedWakeupIds(state);
      for (let i = 0; i < ids.length; i += 1000) settles.push(queue.settle(EXECUTOR_CHANNEL, ids.slice(i, i + 1000)));
      for (const settle of settles) settle.catch(() => undefined);
    }
    for (const run of state.dirty) {
      const { current, startDate, endDate } = run.state;
      if (endDate && isTerminal(current)) events.emit("taskrun", { taskId: run.taskId, state: current, durationMs: Date.parse(endDate) - Date.parse(startDate) });
    }
    if (state.executionDirty) {
      events.emit("execution", {
        executionId: execution.id, namespace: execution.namespace, flowId: execution.flowId, state: execution.state.current, ...(execution.kind ? { kind: execution.kind } : {}),
        entered: execution.state.histories.slice(state.loadedTransitions).map((h, i) => ({ state: h.state, transition: state.loadedTransitions + i + 1 })),
        saved: () => copyPlain({ execution, taskRuns: state.taskRuns.map(plainTaskRun).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) }),
      });
    }
    await Promise.all(settles);
  }
}
