import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Steps a conformance case takes once its execution ended, as Kestra's ExecutionServiceTest and
 * ChangeStateTestCase call the service: a restart (on a new revision of the flow, with
 * `revision_flow`), or a task run marked (`mark`, in the execution or in the child execution of
 * one of its Subflow runs). Each checks what the call answers (`answer`: Kestra's tests assert
 * the returned execution, RESTARTED, before the executor moves it on); the case's other checks
 * then read the execution once it ended again.
 */
export interface ConformanceAnswer {
  state?: string;
  /** the execution's state history, in order */
  histories?: string[];
  /** `{taskId: state}` of the task's one run in the answer */
  task_states?: Record<string, string>;
  task_runs?: number;
  /** false: a new execution, whose parentId is the source (a restart on a revision, a replay) */
  same_id?: boolean;
}

export interface ConformanceRestart {
  /** a file of the case folder deployed as the flow's next revision; the restart then names that revision */
  revision_flow?: string;
  /** restart once the execution is PAUSED (Kestra restarts a paused execution too), not once it ended */
  paused?: boolean;
  /** restart once the execution is in this state (PAUSING), not once it ended */
  when?: string;
  /** a text the 409 refusing the restart must hold: the checks then read the same execution, unchanged, once it ended */
  refused?: string;
  answer?: ConformanceAnswer;
}

export interface ConformanceMark {
  taskId: string;
  state: string;
  /** the Subflow task whose child execution holds `taskId`'s run: the child is marked, the case's checks read the parent once its run took the child's new end */
  in_child_of?: string;
  answer?: ConformanceAnswer;
}

type Json = any; // answers of the API under test, read by path

const TERMINAL = new Set(["SUCCESS", "FAILED", "WARNING", "KILLED", "CANCELLED", "RETRIED", "SKIPPED"]);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** what an action answered, against the case's `answer`: its problems */
export function answerProblems(what: string, answer: ConformanceAnswer | undefined, got: Json, source: Json): string[] {
  if (!answer) return [];
  const problems: string[] = [];
  if (answer.state !== undefined && got.state?.current !== answer.state) problems.push(`${what} answered ${got.state?.current} != ${answer.state}`);
  const histories = (got.state?.histories ?? []).map((h: Json) => h.state);
  if (answer.histories && !same(histories, answer.histories)) problems.push(`${what} answered histories ${JSON.stringify(histories)} != ${JSON.stringify(answer.histories)}`);
  if (answer.task_runs !== undefined && (got.taskRunList ?? []).length !== answer.task_runs) problems.push(`${what} answered ${(got.taskRunList ?? []).length} task runs != ${answer.task_runs}`);
  for (const [taskId, want] of Object.entries(answer.task_states ?? {})) {
    const states = (got.taskRunList ?? []).filter((r: Json) => r.taskId === taskId).map((r: Json) => r.state?.current);
    if (!same(states, [want])) problems.push(`${what} answered ${taskId} ${JSON.stringify(states)} != [${want}]`);
  }
  if (answer.same_id === true && got.id !== source.id) problems.push(`${what} answered execution ${got.id}, not the source ${source.id}`);
  if (answer.same_id === false && (got.id === source.id || got.parentId !== source.id)) problems.push(`${what} answered execution ${got.id} (parent ${got.parentId}), expected a new one whose parent is ${source.id}`);
  return problems;
}

async function post(url: string, body?: unknown): Promise<{ status: number; json?: Json; text: string }> {
  const response = await fetch(url, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
  const text = await response.text();
  return { status: response.status, text, ...(response.status < 300 ? { json: JSON.parse(text) } : {}) };
}

async function read(base: string, id: string): Promise<Json> {
  const response = await fetch(`${base}/api/v1/executions/${id}`);
  return response.status === 200 ? response.json() : {};
}

/** restarts the ended `source`: the id whose end the case's checks read, or undefined with the problem noted */
export async function restartFrom(base: string, folder: string, namespace: string, source: Json, restart: ConformanceRestart, problems: string[]): Promise<string | undefined> {
  let query = "";
  if (restart.revision_flow) {
    const body = readFileSync(join(folder, restart.revision_flow), "utf8");
    const updated = await fetch(`${base}/api/v1/flows/${namespace}/${source.flowId}`, { method: "PUT", headers: { "content-type": "application/x-yaml" }, body });
    if (updated.status >= 300) {
      problems.push(`restart: deploying ${restart.revision_flow}: HTTP ${updated.status} ${(await updated.text()).slice(0, 300)}`);
      return undefined;
    }
    query = `?revision=${((await updated.json()) as Json).revision}`;
  }
  const answered = await post(`${base}/api/v1/executions/${source.id}/restart${query}`);
  if (restart.refused !== undefined) {
    if (answered.status !== 409 || !answered.text.includes(restart.refused)) problems.push(`restart: HTTP ${answered.status} ${answered.text.slice(0, 300)}; expected a 409 holding ${JSON.stringify(restart.refused)}`);
    return source.id;
  }
  if (!answered.json) {
    problems.push(`restart: HTTP ${answered.status} ${answered.text.slice(0, 300)}`);
    return undefined;
  }
  problems.push(...answerProblems("restart", restart.answer, answered.json, source));
  return answered.json.id;
}

/** marks the run of `mark.taskId` (in the child of `in_child_of`'s run, if given): the id whose end the checks read */
export async function markIn(base: string, source: Json, mark: ConformanceMark, problems: string[]): Promise<string | undefined> {
  let target = source;
  if (mark.in_child_of) {
    const run = (source.taskRunList ?? []).find((r: Json) => r.taskId === mark.in_child_of);
    const childId = run?.outputs?.executionId;
    if (!childId) {
      problems.push(`mark: no child execution of ${mark.in_child_of} in execution ${source.id}`);
      return undefined;
    }
    target = await read(base, childId);
  }
  const runs = (target.taskRunList ?? []).filter((r: Json) => r.taskId === mark.taskId);
  if (runs.length !== 1) {
    problems.push(`mark: ${runs.length} runs of ${mark.taskId} in execution ${target.id}, expected 1`);
    return undefined;
  }
  const answered = await post(`${base}/api/v1/executions/${target.id}/state`, { taskRunId: runs[0].id, state: mark.state });
  if (!answered.json) {
    problems.push(`mark: HTTP ${answered.status} ${answered.text.slice(0, 300)}`);
    return undefined;
  }
  problems.push(...answerProblems("mark", mark.answer, answered.json, target));
  if (!mark.in_child_of) return target.id;
  // the child ends again; the ended parent's Subflow run takes its new end (ExecutorService's SubflowExecutionResult)
  let child: Json = {};
  let parent: Json = {};
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    child = await read(base, target.id);
    if (!TERMINAL.has(child.state?.current)) continue;
    parent = await read(base, source.id);
    if ((parent.taskRunList ?? []).find((r: Json) => r.taskId === mark.in_child_of)?.outputs?.state === child.state.current) return source.id;
  }
  problems.push(`mark: the parent's ${mark.in_child_of} run never took the child's end ${child.state?.current}`);
  return undefined;
}
