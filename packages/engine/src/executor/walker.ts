import { renderValue, tasksAtPath, writtenDoubles, type Callable, type PluginRegistry, type RenderContext, type TaskSpec } from "@ferry/core";
import { errorMessage, isTerminal, LOG_LEVELS, parseDuration, type ExecutionChange, type FlowablePlan, type LogLevel, type TaskDefinition, type TaskLogger, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import { connectionsOnWorkersOnly, secretsOnWorkersOnly } from "../secret-function.js";
import type { JsonStore } from "../json-store.js";
import { renderProperties } from "../render-properties.js";
import { planKey, recordsPrefix, rewrittenKey, taskOutputsKey } from "../storage-keys.js";
import { branchProgressOf, forgetProgress } from "./branch-progress.js";
import { walkBranches } from "./branch-walk.js";
import { currentOf } from "./held-task-run.js";
import { contextRefOf } from "./context-ref.js";
import { outputNeedsOf } from "./output-needs.js";
import { newState, transition, type ExecutionState } from "./execution-state.js";
import { applyExecutionChange, executionTaskView } from "./execution-task.js";
import { armFlowableTimeout } from "./flowable-timeout.js";
import { endOpenBelow } from "./end-open-below.js";
import { branchFailed } from "./stop-siblings.js";
import { afterIteration, loopWaiting, noteLoop } from "./loop-until.js";
import { childExecutionsOf, startBatches } from "./batch-subflows.js";
import { pauseRun } from "./pause.js";
import { applyBehavior, enterPausing, leavePausing, waitForReview, withExpiry } from "./approval.js";
import { isIterations, openIterations, walkLoop } from "./loop-iterations.js";
import { sharedFolderStatus } from "./shared-folder.js";
import { outcomeState } from "./task-outcome.js";

export type ListStatus = "running" | "success" | "warning" | "failed" | "killed";

/** a Pause's `onPause` task (Kestra's Pause.onPause: one task), as a list */
const onPauseOf = (task: TaskSpec) => tasksAtPath(task, ["onPause"]);

/** two lists walked side by side: the one still running holds the other, then the worse outcome */
const RANK: ListStatus[] = ["success", "warning", "failed", "killed", "running"];
const joinStatus = (a: ListStatus, b: ListStatus): ListStatus => (RANK.indexOf(a) >= RANK.indexOf(b) ? a : b);

/** What the walker needs from the rest of the engine. */
export interface WalkerDeps {
  registry: PluginRegistry;
  store: JsonStore;
  /** prepares a child execution for a Subflow task run (created once the parent is saved); returns its id */
  startSubflow(state: ExecutionState, run: TaskRunRecord, target: ReturnType<Extract<TaskDefinition, { kind: "subflow" }>["target"]>): Promise<string>;
  /** queues a runnable task run for a worker */
  dispatch(state: ExecutionState, run: TaskRunRecord, task: TaskSpec): void;
  /** resumes a PAUSED execution, this one or another (execution.Resume); throws when it cannot be */
  resume?(state: ExecutionState, request: NonNullable<ExecutionChange["resume"]>): Promise<void>;
  /**
   * functions the executor's renders add (kv() of the flow's namespace): Kestra renders a flowable's
   * properties (If's condition, Switch's value, LoopUntil's condition, runIf) with the same functions as a task's
   */
  functions?: Record<string, Callable>;
}

/**
 * Walks an execution's task tree and starts what may start: the next task of each
 * running list, new branches of flowables within their concurrency. It never waits;
 * each event re-walks from the top, so the tree is the only state.
 */
export class Walker {
  constructor(readonly state: ExecutionState, private readonly deps: WalkerDeps) {}

  get registry(): PluginRegistry {
    return this.deps.registry;
  }

  /** the child executions a task run waits on: a Subflow's one, a ForEachItem's every batch */
  childExecutionsOf(run: TaskRunRecord): Promise<string[]> {
    return childExecutionsOf(this.state, run, this.deps.store);
  }

  /** walking an ended execution's afterExecution tasks: they start although it has ended */
  private afterEnd = false;

  async walkList(tasks: TaskSpec[] | undefined, parentId: string | undefined, value: string | undefined, mayStart = true, afterEnd = this.afterEnd): Promise<ListStatus> {
    const outer = this.afterEnd;
    this.afterEnd = afterEnd;
    try {
      return await this.walkListWithin(tasks, parentId, value, mayStart);
    } finally {
      this.afterEnd = outer;
    }
  }

  private async walkListWithin(tasks: TaskSpec[] | undefined, parentId: string | undefined, value: string | undefined, mayStart: boolean): Promise<ListStatus> {
    let warning = false;
    for (const task of tasks ?? []) {
      if (task.disabled) continue;
      let run = this.state.find(task.id, parentId, value);
      if (!run) {
        if (!mayStart || this.halted()) return "running";
        run = await this.start(task, parentId, value);
      }
      // an ended run's state is read without unpacking it (held-task-run.ts): a walk passes every ended run of its branch
      if (!isTerminal(currentOf(run)) && run.planUri) await this.walkFlowable(task, run, mayStart);
      else if (currentOf(run) === "CREATED" && run.attempts.length && !run.subflowExecutionId && mayStart && !this.halted()) await this.restartChild(task, run);
      switch (currentOf(run)) {
        case "SUCCESS":
        case "SKIPPED":
          continue;
        case "WARNING":
          warning = true;
          continue;
        case "FAILED":
          return "failed";
        case "KILLED":
          return "killed";
        default:
          return "running";
      }
    }
    return warning ? "warning" : "success";
  }

  /** an execution task ended the execution (Exit), a task decided how it ends (an Approval's behavior) or asked for its kill: nothing more starts */
  private halted(): boolean {
    const current = this.state.execution.state.current;
    return current === "KILLING" || ((isTerminal(current) || this.state.execution.endsAs !== undefined) && !this.afterEnd);
  }

  private async renderContext(run: TaskRunRecord, task: TaskSpec): Promise<RenderContext> {
    return buildRenderContext(contextRefOf(this.state, outputNeedsOf(task), run, task), this.deps.store, {
      taskrun: this.state.taskRunVariables(run),
      task: { id: task.id, type: task.type },
      ...(this.deps.functions ? { functions: { secret: secretsOnWorkersOnly, connection: connectionsOnWorkersOnly, ...this.deps.functions } } : {}),
    });
  }

  private async start(task: TaskSpec, parentId: string | undefined, value: string | undefined): Promise<TaskRunRecord> {
    if (task.runIf !== undefined) {
      let holds: boolean;
      try {
        holds = await this.runIfHolds(task, parentId, value);
      } catch (error) {
        const run = this.state.create(task.id, parentId, value, outcomeState(task, "FAILED"));
        this.state.log("ERROR", `runIf: ${errorMessage(error)}`, run);
        return run;
      }
      if (!holds) {
        // Kestra's skipped task run carries one attempt, SKIPPED too (RunIfTest asserts its state)
        const run = this.state.create(task.id, parentId, value, "SKIPPED");
        const attempt = newState<TaskRunState>("CREATED", run.state.startDate);
        transition(attempt, "SKIPPED", run.state.startDate);
        run.attempts.push({ state: attempt });
        return run;
      }
    }
    const def = this.deps.registry.task(task.type);
    if (!def) {
      const run = this.state.create(task.id, parentId, value, "FAILED");
      this.state.log("ERROR", this.deps.registry.unknownTypeMessage(task.type), run);
      return run;
    }
    if (def.kind === "runnable") {
      const run = this.state.create(task.id, parentId, value, "CREATED");
      this.deps.dispatch(this.state, run, task);
      return run;
    }
    // CREATED, then RUNNING at once, as Kestra's TaskRun.of and the executor's start of a flowable, subflow or execution task record it
    const run = this.state.create(task.id, parentId, value, "CREATED");
    transition(run.state, "RUNNING", run.state.startDate);
    try {
      const ctx = await this.renderContext(run, task);
      const props = await renderProperties(def, task, ctx, writtenDoubles(task));
      const prefix = recordsPrefix(this.state.execution);
      if (def.kind === "flowable") {
        const logger = this.flowableLogger(run, task);
        const plan = await def.plan({ ...identity(this.state, run), logger, render: (t) => renderValue(t, ctx) }, props);
        // a Pause's or a Sleep's timeout bounds its wait (pause.ts); any other flowable's kills what runs below it once passed
        // an Approval's timeout is how long its request waits for a review (approval.ts)
        const timeoutMs = task.timeout !== undefined && !plan.pause && !plan.approval ? parseDuration(String(await renderValue(task.timeout, ctx))) : undefined;
        const approval = plan.approval && (await withExpiry(plan.approval, task, ctx));
        run.planUri = await this.deps.store.write(rewrittenKey(planKey(prefix, task.id, run.id), run.planUri), {
          branches: plan.branches, concurrency: plan.concurrency, ...(plan.allowFailure ? { allowFailure: true } : {}), ...(plan.stopSiblings ? { stopSiblings: plan.stopSiblings } : {}), ...(plan.pause ? { pause: plan.pause } : {}), ...(plan.loop ? { loop: plan.loop } : {}), ...(plan.iterations ? { iterations: plan.iterations } : {}),
          ...(plan.worker ? { worker: true } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(approval ? { approval } : {}),
        });
        if (timeoutMs !== undefined) armFlowableTimeout(this.state, run, timeoutMs);
        // an Approval running its onWait holds its execution PAUSING (approval.ts)
        if (approval && !approval.decision && plan.branches.length) enterPausing(this.state, run);
        // Kestra gives a flowable one attempt, RUNNING from its start; not a Loop without values, which ends at once, nor a WorkingDirectory, whose attempts its worker runs
        if (!plan.worker && !(plan.iterations && plan.branches.length === 0)) run.attempts.push({ state: newState("RUNNING"), flowable: true });
        if (plan.outputs) run.outputsUri = await this.deps.store.write(rewrittenKey(taskOutputsKey(prefix, task.id, run.id), run.outputsUri), plan.outputs);
        this.state.touch(run);
      } else if (def.kind === "execution") {
        const view = await executionTaskView(this.state, this.deps.store);
        const change = await def.update({ ...identity(this.state, run), logger: this.flowableLogger(run, task), render: (t) => renderValue(t, ctx), ...view }, props);
        await applyExecutionChange(this.state, run, change, this.deps.store, this.deps.resume && ((request) => this.deps.resume!(this.state, request)));
      } else if (def.batches) {
        await startBatches(this.state, run, task, def.batches(props), def.target(props), ctx, this.deps);
      } else {
        await this.startChild(task, run, def.target(props));
      }
    } catch (error) {
      this.state.log("ERROR", errorMessage(error), run);
      this.state.setRunState(run, outcomeState(task, "FAILED"));
    }
    return run;
  }

  /** a Subflow task run's next attempt: a new child execution (its first, or one its retry policy asked for) */
  private async startChild(task: TaskSpec, run: TaskRunRecord, target: ReturnType<Extract<TaskDefinition, { kind: "subflow" }>["target"]>): Promise<void> {
    run.attempts.push({ state: newState("RUNNING") });
    run.subflowExecutionId = await this.deps.startSubflow(this.state, run, target);
    if (!target.wait) {
      run.outputsUri = await this.deps.store.write(rewrittenKey(taskOutputsKey(recordsPrefix(this.state.execution), task.id, run.id), run.outputsUri), { executionId: run.subflowExecutionId });
      transition(run.attempts[run.attempts.length - 1].state, "SUCCESS");
      this.state.setRunState(run, outcomeState(task, "SUCCESS"));
    }
    this.state.touch(run);
  }

  /** a Subflow task run its retry policy sent back to CREATED: its next child starts now */
  private async restartChild(task: TaskSpec, run: TaskRunRecord): Promise<void> {
    const def = this.deps.registry.task(task.type);
    if (def?.kind !== "subflow" || def.batches) return;
    this.state.setRunState(run, "RUNNING");
    try {
      await this.startChild(task, run, def.target(await renderProperties(def, task, await this.renderContext(run, task), writtenDoubles(task))));
    } catch (error) {
      this.state.log("ERROR", errorMessage(error), run);
      this.state.setRunState(run, outcomeState(task, "FAILED"));
    }
  }

  /**
   * Kestra's `runIf`: the task runs only when it renders to true (a boolean, or the text
   * `true`, any case); anything else skips it. Rendered here, before the task is dispatched.
   */
  private async runIfHolds(task: TaskSpec, parentId: string | undefined, value: string | undefined): Promise<boolean> {
    const condition = task.runIf;
    if (typeof condition === "boolean") return condition;
    // rendered before the task run exists: the template sees its parent and value, as the run will
    const pending: TaskRunRecord = { id: "", executionId: this.state.execution.id, taskId: task.id, parentTaskRunId: parentId, value, state: newState("CREATED"), attempts: [] };
    const rendered = await renderValue(condition, await this.renderContext(pending, task));
    return rendered === true || String(rendered).trim().toLowerCase() === "true";
  }

  /** a flowable's log lines go to the execution's logs, under its task run, from its `logLevel` up */
  private flowableLogger(run: TaskRunRecord, task?: TaskSpec): TaskLogger {
    const min = LOG_LEVELS.indexOf(task?.logLevel ?? "TRACE");
    const log = (level: LogLevel) => (message: string) => LOG_LEVELS.indexOf(level) >= min && this.state.log(level, message, run);
    return { trace: log("TRACE"), debug: log("DEBUG"), info: log("INFO"), warn: log("WARN"), error: log("ERROR"), log: (level, message) => log(level)(message) };
  }

  /**
   * Advances a running flowable: its branches, then its local `errors` when they failed, then
   * its `finally`; ends it once they all ended. Its state comes from its branches alone, as
   * Kestra's FlowableUtils.resolveState decides it: handlers run, they do not recover.
   */
  /** starts a Pause's or a Sleep's wait; one that cannot start (its timeout does not render) fails the task */
  private async pauseOrFail(run: TaskRunRecord, task: TaskSpec, plan: FlowablePlan): Promise<void> {
    try {
      await pauseRun(this.state, run, task, plan, this.deps.store, async () => renderValue(task.timeout, await this.renderContext(run, task)));
    } catch (error) {
      this.state.log("ERROR", errorMessage(error), run);
      this.state.setRunState(run, outcomeState(task, "FAILED"));
    }
  }

  private async walkFlowable(task: TaskSpec, run: TaskRunRecord, mayStart: boolean): Promise<void> {
    const progress = await branchProgressOf(run, () => this.deps.store.read<FlowablePlan>(run.planUri!));
    if (progress.plan.pause || progress.plan.loop || progress.plan.approval || progress.plan.iterations) {
      // a pausing flowable's plan changes while it waits (a shorter timeout, a WARN that elapsed, a Sleep's start), a loop's at each iteration: read afresh
      progress.plan = await this.deps.store.read<FlowablePlan>(run.planUri!);
    }
    const { plan } = progress;
    // a loop between two iterations: its wake-up (pause.ts) starts the next
    if (plan.loop && loopWaiting(run, plan)) return;
    if (plan.loop) noteLoop(this.state, run, plan, task);
    if (plan.pause?.sleep) {
      // a Sleep starts on its first walk, then waits RUNNING until its wake-up (pause.ts) ends it
      if (!plan.pause.sleep.since) {
        if (!mayStart || this.halted()) return;
        await this.pauseOrFail(run, task, plan);
        return;
      }
      if (!plan.pause.sleep.elapsed) return;
    } else if (plan.pause) {
      // a pausing flowable holds its branches until resumed; it pauses once, on its first walk; its onPause runs while it is paused
      if (run.state.current === "PAUSED") {
        await this.walkList(onPauseOf(task), run.id, undefined, mayStart);
        return;
      }
      if (!run.state.histories.some((h) => h.state === "PAUSED")) {
        if (!mayStart || this.halted()) return;
        await this.pauseOrFail(run, task, plan);
        // pauseOrFail moved it on (TypeScript still sees the state narrowed above)
        if ((run.state.current as TaskRunState) === "PAUSED") await this.walkList(onPauseOf(task), run.id, undefined, mayStart);
        return;
      }
    }
    // an Approval holds its decision's branch until reviewed (or expired); it pauses once its onWait ended
    if (plan.approval && !plan.approval.decision && run.state.current === "PAUSED") return;
    // a decided one's branch waits while its execution stays PAUSED for a sibling still paused: Kestra's markAs keeps it
    // PAUSED, "so neither branch runs until both are decided" (ApprovalTest.shouldCancelTheWholeExecutionEvenWhenASiblingApprovalIsApproved)
    if (plan.approval?.decision && this.state.execution.state.current === "PAUSED") return;
    if (isIterations(plan)) {
      // a Loop: each iteration is a sub-execution with its own errors and finally (loop-iterations.ts)
      const status = await walkLoop(this.state, run, plan, this.deps.store, mayStart && !this.halted());
      if (status === "running" || isTerminal(run.state.current)) return;
      this.state.setRunState(run, outcomeState(task, status === "failed" ? "FAILED" : "SUCCESS", plan.allowFailure));
      return;
    }
    // a Pause whose wait elapsed with FAILED: its children never run, its errors and finally do
    let main = plan.pause?.failed ? "failed" : plan.worker ? this.onWorker(task, run, mayStart) : await walkBranches(this, task, run, progress, mayStart);
    // Kestra's Approval.isWaiting: RUNNING and never PAUSED yet (a restarted one paused before: restart-paused-waits.ts)
    if (plan.approval && !plan.approval.decision && main !== "running" && !run.state.histories.some((h) => h.state === "PAUSED")) {
      // onWait ended: the request waits for its review, unless onWait failed (allowFailure lets it wait all the same)
      if (main === "success" || main === "warning" || task.allowFailure) {
        if (!mayStart || this.halted()) return;
        try {
          await waitForReview(this.state, run, plan, this.deps.store);
        } catch (error) {
          this.state.log("ERROR", errorMessage(error), run);
          this.state.setRunState(run, outcomeState(task, "FAILED"));
          leavePausing(this.state, run);
        }
        return;
      }
      // onWait failed: the execution no longer waits for this Approval to pause
      leavePausing(this.state, run);
    }
    // a Pause ends once its onPause ended too (it may still run when the pause elapsed or was resumed)
    if (plan.pause && !plan.pause.sleep && main !== "running" && onPauseOf(task).length) main = joinStatus(main, await this.walkList(onPauseOf(task), run.id, undefined, mayStart));
    if (plan.stopSiblings && (main === "running" || main === "killed") && branchFailed(this.state, task, run, plan, this.deps.registry)) {
      // while a branch runs, no errors or finally task has started: only branches are stopped
      if (main === "running") {
        endOpenBelow(this.state, run.id, plan.stopSiblings);
        // the branches just stopped were open in what the walk learnt: the next walk learns them again, ended
        forgetProgress(run);
      }
      // Kestra's Parallel.resolveState: the siblings were stopped for a failure, not a kill
      main = "failed";
    }
    // an Exit below ended it already
    if (main === "running" || isTerminal(run.state.current)) return;
    if (plan.loop && (main === "success" || main === "warning")) {
      const verdict = await afterIteration(this.state, run, plan, this.deps.store, () => this.renderContext(run, task));
      if (verdict === "again") return;
      if (verdict === "failed") {
        // Kestra's LoopUntil.resolveState answers FAILED itself: no errors or finally branch runs
        this.state.setRunState(run, outcomeState(task, "FAILED", plan.allowFailure));
        return;
      }
    }
    if (main === "failed" && task.errors?.length) {
      if ((await this.walkList(task.errors, run.id, undefined, mayStart)) === "running") return;
    }
    if (main !== "killed" && task.finally?.length) {
      if ((await this.walkList(task.finally, run.id, undefined, mayStart)) === "running") return;
    }
    let state: TaskRunState = main === "killed" ? "KILLED" : main === "failed" ? "FAILED" : main === "warning" ? "WARNING" : "SUCCESS";
    // a Pause whose pauseDuration passed with behavior WARN
    if (state === "SUCCESS" && plan.pause?.warned) state = "WARNING";
    const final = outcomeState(task, state, plan.allowFailure);
    // a decided Approval whose branch ended without error: its behavior says what follows
    if (plan.approval?.decision && final !== "FAILED" && final !== "KILLED") return applyBehavior(this.state, run, plan.approval, final);
    this.state.setRunState(run, final);
  }

  /** the sub-executions of a Loop's iterations still running (a kill reaches them) */
  openIterations(run: TaskRunRecord): Promise<string[]> {
    return openIterations(run, this.deps.store);
  }

  /** a WorkingDirectory: its first walk sends it to a worker whole; that worker's result is its children's outcome */
  private onWorker(task: TaskSpec, run: TaskRunRecord, mayStart: boolean): ListStatus {
    if (run.attempts.length) return sharedFolderStatus(this.state, run);
    if (mayStart && !this.halted()) this.deps.dispatch(this.state, run, task);
    return "running";
  }
}

function identity(state: ExecutionState, run: TaskRunRecord) {
  const e = state.execution;
  return {
    execution: { id: e.id, namespace: e.namespace, flowId: e.flowId, flowRevision: e.flowRevision },
    taskRun: { id: run.id, taskId: run.taskId, value: run.value, attempt: 0 },
  };
}
