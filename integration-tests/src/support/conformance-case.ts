import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { answerProblems, markIn, restartFrom, type ConformanceAnswer, type ConformanceMark, type ConformanceRestart } from "./conformance-actions.js";

/**
 * One conformance case: a Kestra flow and the result Kestra gives, in the format of
 * ../shared/conformance (see its README), plus a few optional extensions:
 * - `source`: the Kestra file(s) the case was written from (required in this project's cases);
 * - `flows`: more flow files of the folder to deploy first (subflows, flows a trigger watches);
 * - `task_values`: `{taskId: {value: state}}` for tasks that run once per iteration value (the run's own value, or its nearest ancestor's: only a loop's own children carry one);
 * - `logs_absent`, `outputs`, `flow_outputs`, `task_states`, `attempts` as in shared/;
 * - `deploy_refused`: flow.yaml must be refused at deploy (HTTP 422) with a message holding this text;
 *   nothing is executed (for flows Kestra refuses);
 * - `input_files`: `{inputId: {name, content}}`, files uploaded as multipart file parts (FILE inputs);
 * - `inputs_refused`: the execution's creation must be refused (HTTP 4xx) with a message holding this
 *   text, or each of these texts (inputs Kestra refuses when an execution starts); nothing runs;
 * - `task_runs`: how many task runs the execution ends with (Kestra's tests assert `getTaskRunList()` sizes);
 * - `loop_iterations`: the states of the execution's loop sub-executions (kind LOOP, its Loops' iterations) in
 *   iteration order, as LoopCaseTest reads them with `findLoopSubExecutions`; `{loopTaskId: [state, …]}`. The logs a
 *   case reads (`logs_contain`, `logs_absent`) are the execution's and its loop sub-executions', at every depth,
 *   as a Loop's iterations log in their own sub-executions;
 * - `reviews`: reviews of Approval tasks sent while the execution runs, in order, each once a task run of
 *   `taskId` is PAUSED (`POST /api/v1/executions/{id}/actions/review` with its `decision`, `comment`,
 *   `inputs`); one with `refused` must be answered 4xx holding that text (and changes nothing);
 * - `restart_behind`: once the execution ended, another execution of the flow starts (with `inputs`) and, once it is
 *   RUNNING, the first is restarted (`POST /api/v1/executions/{id}/restart`): a flow at its concurrency limit
 *   (FlowConcurrencyCaseTest.flowConcurrencyQueueRestarted); every other check reads the restarted execution, ended;
 * - `execution_history_has`: states the execution's state history must hold (Kestra's tests' `anyMatch`);
 * - `replay`: once the execution ended, replay it from the run of `taskId` whose value path (its loop values,
 *   outermost first) is `values` (`POST /api/v1/executions/{id}/replay?taskRunId=…`); every other check reads the
 *   replay, ended. `kept`: the runs (`taskId`, or `taskId[value/…]`) whose outputs the replay carries over from
 *   the source unchanged; every other run with outputs must have made new ones (outputs that name `taskrun.id`);
 *   `answer`: what the replay call answers (conformance-actions.ts);
 * - `restart`, `mark`: once the execution ended (or, with `restart.paused`, is PAUSED; with `restart.when`, in that state), it is restarted (on a new revision with `revision_flow`) or a task
 *   run of it (or of the child of one of its Subflow runs) is marked; `answer` checks what the call answers, every
 *   other check reads the execution once ended again (conformance-actions.ts).
 */
export interface ConformanceExpect {
  namespace: string;
  flowId: string;
  inputs?: Record<string, string>;
  input_files?: Record<string, { name: string; content: string }>;
  state: string;
  logs_contain?: string[];
  logs_absent?: string[];
  outputs?: Record<string, Record<string, unknown>>;
  flow_outputs?: Record<string, unknown>;
  task_states?: Record<string, string>;
  task_values?: Record<string, Record<string, string>>;
  attempts?: Record<string, number>;
  /** `{taskId: [state, …]}`: the state history of the task's one run, in order (Kestra's tests count its PAUSED/RUNNING entries) */
  task_histories?: Record<string, string[]>;
  /** `{taskId: [iteration, …]}`: the `iteration` of the task's runs in list order (Kestra's TaskRun.iteration; null where absent) */
  task_iterations?: Record<string, Array<number | null>>;
  task_runs?: number;
  loop_iterations?: Record<string, string[]>;
  reviews?: ConformanceReview[];
  replay?: ConformanceReplay;
  restart?: ConformanceRestart;
  mark?: ConformanceMark;
  restart_behind?: { inputs?: Record<string, string> };
  execution_history_has?: string[];
  flows?: string[];
  deploy_refused?: string;
  inputs_refused?: string | string[];
  source?: string | string[];
  notes?: string;
}

export interface ConformanceReview {
  taskId: string;
  decision: string;
  comment?: string;
  inputs?: Record<string, unknown>;
  /** the review must be refused (HTTP 4xx) with a message holding this text */
  refused?: string;
}

export interface ConformanceReplay {
  taskId: string;
  values?: string[];
  kept: string[];
  answer?: ConformanceAnswer;
}

export interface ConformanceCase {
  name: string;
  folder: string;
  expect: ConformanceExpect;
}

/** the case folders (those with an expect.json) under `root`, one level of area folders deep or flat */
export function listCases(root: string): ConformanceCase[] {
  if (!existsSync(root)) return [];
  const cases: ConformanceCase[] = [];
  const visit = (folder: string, name: string, depth: number) => {
    const expectFile = join(folder, "expect.json");
    if (existsSync(expectFile)) {
      cases.push({ name, folder, expect: JSON.parse(readFileSync(expectFile, "utf8")) as ConformanceExpect });
      return;
    }
    if (depth === 0) return;
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) visit(join(folder, entry.name), name ? `${name}/${entry.name}` : entry.name, depth - 1);
    }
  };
  visit(root, "", 2);
  return cases;
}

// Kestra's State.Type.isTerminated()
const TERMINAL = new Set(["SUCCESS", "FAILED", "WARNING", "KILLED", "CANCELLED", "RETRIED", "SKIPPED"]);

type Json = any; // answers of the API under test, read by path

const stateOf = (x: Json): string | undefined => (x && typeof x.state === "object" ? x.state?.current : x?.state);

function dig(value: Json, path: string): { found: boolean; value?: unknown } {
  let current = value;
  for (const part of path.split(".")) {
    if (current && typeof current === "object" && !Array.isArray(current) && part in current) current = current[part];
    else if (Array.isArray(current) && /^\d+$/.test(part) && Number(part) < current.length) current = current[Number(part)];
    else return { found: false };
  }
  return { found: true, value: current };
}

/**
 * What `{{ outputs.<taskId> }}` gives (Kestra's Execution.outputs): each run's outputs nested
 * under the values of its enclosing loop iterations, outermost first, then its own value. Only
 * a loop's own children carry a value; a run with none at all gives its outputs directly.
 */
function taskOutputs(runs: Json[], byId: Map<string, Json>): Json {
  const result: Json = {};
  for (const run of runs) {
    const values: string[] = [];
    if (run.value !== undefined && run.value !== null) values.push(String(run.value));
    for (let p = byId.get(run.parentTaskRunId); p; p = byId.get(p.parentTaskRunId)) if (p.value !== undefined && p.value !== null) values.push(String(p.value));
    if (!values.length) return run.outputs ?? {};
    values.reverse();
    let level = result;
    for (const value of values.slice(0, -1)) level = level[value] ??= {};
    level[values[values.length - 1]] = run.outputs ?? {};
  }
  return result;
}

/** JSON equality with type: 3 is not "3" */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function multipart(fields: Record<string, string>, files: ConformanceExpect["input_files"] = {}): { body: string; contentType: string } {
  const boundary = `----ferry${Math.random().toString(16).slice(2)}`;
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  for (const [k, file] of Object.entries(files)) {
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n${file.content}\r\n`);
  }
  return { body: `${parts.join("")}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function deploy(base: string, namespace: string, source: string): Promise<string | undefined> {
  const headers = { "Content-Type": "application/x-yaml" };
  let response = await fetch(`${base}/api/v1/flows`, { method: "POST", headers, body: source });
  if (response.status === 409 || (response.status >= 400 && /exist/i.test(await response.clone().text()))) {
    const id = /^id:\s*(\S+)/m.exec(source)?.[1];
    response = await fetch(`${base}/api/v1/flows/${namespace}/${id}`, { method: "PUT", headers, body: source });
  }
  if (response.status >= 300) return `HTTP ${response.status} ${(await response.text()).slice(0, 300)}`;
  return undefined;
}

/** an execution start the case expects refused: a 4xx whose message holds every expected text */
async function refusedStart(started: Response, expected: string | string[]): Promise<string[]> {
  const body = await started.text();
  if (started.status < 400 || started.status >= 500) return [`execute: HTTP ${started.status} ${body.slice(0, 300)}; expected a 4xx holding ${JSON.stringify(expected)}`];
  const missing = [expected].flat().filter((text) => !body.includes(text));
  return missing.length ? [`execute: HTTP ${started.status} ${body.slice(0, 300)}; lacks ${JSON.stringify(missing)}`] : [];
}

/**
 * Runs one case against a running server, as ../shared/conformance/run.py does: deploys,
 * executes with a multipart form, waits for a terminal state, compares. Returns the problems.
 */
export async function runCase(base: string, c: ConformanceCase): Promise<string[]> {
  const exp = c.expect;
  const files = [...(exp.flows ?? []), ...(existsSync(join(c.folder, "child.yaml")) ? ["child.yaml"] : []), "flow.yaml"];
  for (const file of files) {
    const failed = await deploy(base, exp.namespace, readFileSync(join(c.folder, file), "utf8"));
    if (exp.deploy_refused !== undefined && file === "flow.yaml") {
      if (!failed) return [`deploy ${file}: accepted, expected a refusal holding ${JSON.stringify(exp.deploy_refused)}`];
      return failed.startsWith("HTTP 422") && failed.includes(exp.deploy_refused) ? [] : [`deploy ${file}: ${failed}; expected HTTP 422 holding ${JSON.stringify(exp.deploy_refused)}`];
    }
    if (failed) return [`deploy ${file}: ${failed}`];
  }
  const form = multipart(exp.inputs ?? {}, exp.input_files);
  const started = await fetch(`${base}/api/v1/executions/${exp.namespace}/${exp.flowId}`, { method: "POST", headers: { "Content-Type": form.contentType }, body: form.body });
  if (exp.inputs_refused !== undefined) return refusedStart(started, exp.inputs_refused);
  if (started.status >= 300) return [`execute: HTTP ${started.status} ${(await started.text()).slice(0, 300)}`];
  let id = ((await started.json()) as Json).id as string;
  const problems: string[] = [];
  const reviews = [...(exp.reviews ?? [])];
  let ex: Json = {};
  let source: Json | undefined;
  if (exp.replay) {
    source = await settled(base, id);
    const replayed = await replayFrom(base, source, exp.replay, problems);
    if (!replayed) return problems;
    id = replayed;
  }
  if (exp.restart || exp.mark) {
    const ended = await settled(base, id, exp.restart?.when ?? (exp.restart?.paused ? "PAUSED" : undefined));
    const next = exp.restart ? await restartFrom(base, c.folder, exp.namespace, ended, exp.restart, problems) : await markIn(base, ended, exp.mark!, problems);
    if (!next) return problems;
    id = next;
  }
  if (exp.restart_behind && !(await restartBehind(base, exp, await settled(base, id), problems))) return problems;
  for (const deadline = Date.now() + 60_000; ; ) {
    const response = await fetch(`${base}/api/v1/executions/${id}`);
    if (response.status === 200) ex = await response.json();
    if (reviews.length && (await sendReview(base, id, ex, reviews[0], problems, exp))) {
      reviews.shift();
      continue;
    }
    // an ended execution shows its final state while its afterExecution tasks still run: wait for them too
    const settled = TERMINAL.has(stateOf(ex) ?? "") && (ex.taskRunList ?? []).every((tr: Json) => TERMINAL.has(stateOf(tr) ?? ""));
    if (settled || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const review of reviews) problems.push(`review ${review.decision} of ${review.taskId} never sent: no PAUSED task run of it`);
  if (stateOf(ex) !== exp.state) problems.push(`state ${stateOf(ex)} != ${exp.state}`);
  let text = "";
  let iterations: Json[] = [];
  for (const deadline = Date.now() + 10_000; ; ) {
    iterations = await loopSubExecutions(base, exp, id);
    const texts: string[] = [];
    for (const executionId of [id, ...iterations.map((e) => e.id as string)]) {
      const logs = (await (await fetch(`${base}/api/v1/logs/${executionId}`)).json()) as Json;
      texts.push((Array.isArray(logs) ? logs : (logs.results ?? [])).map((l: Json) => String(l.message ?? "")).join("\n"));
    }
    text = texts.join("\n");
    const settled = iterations.every((e) => TERMINAL.has(stateOf(e) ?? ""));
    if (((exp.logs_contain ?? []).every((w) => text.includes(w)) && settled) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (const [taskId, want] of Object.entries(exp.loop_iterations ?? {})) {
    const got = iterations.filter((e) => e.parentId === id && e.loopRun?.taskId === taskId).sort((a, b) => a.loopRun.index - b.loopRun.index).map(stateOf);
    if (!same(got, want)) problems.push(`loop ${taskId} iterations ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  for (const want of exp.logs_contain ?? []) if (!text.includes(want)) problems.push(`logs lack ${JSON.stringify(want)}`);
  for (const bad of exp.logs_absent ?? []) if (text.includes(bad)) problems.push(`logs have ${JSON.stringify(bad)}`);
  const runCount = (ex.taskRunList ?? []).length;
  if (exp.task_runs !== undefined && runCount !== exp.task_runs) problems.push(`${runCount} task runs != ${exp.task_runs}`);
  const runs = new Map<string, Json[]>();
  for (const tr of ex.taskRunList ?? []) runs.set(tr.taskId, [...(runs.get(tr.taskId) ?? []), tr]);
  for (const [taskId, want] of Object.entries(exp.task_states ?? {})) {
    const got = (runs.get(taskId) ?? []).map(stateOf);
    if (!same(got, [want])) problems.push(`task ${taskId} states ${JSON.stringify(got)} != [${want}]`);
  }
  const byId = new Map<string, Json>((ex.taskRunList ?? []).map((tr: Json) => [tr.id, tr]));
  // the value of the iteration a run belongs to: its own (a loop's child), else its nearest ancestor's
  const iterationValue = (run: Json): string | undefined => {
    for (let r = run; r; r = byId.get(r.parentTaskRunId)) if (r.value !== undefined && r.value !== null) return String(r.value);
    return undefined;
  };
  for (const [taskId, byValue] of Object.entries(exp.task_values ?? {})) {
    for (const [value, want] of Object.entries(byValue)) {
      const got = (runs.get(taskId) ?? []).filter((r) => iterationValue(r) === value).map(stateOf);
      if (!same(got, [want])) problems.push(`task ${taskId}[${value}] states ${JSON.stringify(got)} != [${want}]`);
    }
  }
  for (const [taskId, n] of Object.entries(exp.attempts ?? {})) {
    const got = (runs.get(taskId) ?? []).map((r) => (r.attempts ?? []).length);
    if (!same(got, [n])) problems.push(`task ${taskId} attempts ${JSON.stringify(got)} != [${n}]`);
  }
  for (const [taskId, want] of Object.entries(exp.task_histories ?? {})) {
    const got = (runs.get(taskId) ?? []).map((r) => (r.state?.histories ?? []).map((h: Json) => h.state));
    if (!same(got, [want])) problems.push(`task ${taskId} histories ${JSON.stringify(got)} != [${JSON.stringify(want)}]`);
  }
  for (const [taskId, want] of Object.entries(exp.task_iterations ?? {})) {
    const got = (runs.get(taskId) ?? []).map((r) => r.iteration ?? null);
    if (!same(got, want)) problems.push(`task ${taskId} iterations ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  }
  for (const [taskId, paths] of Object.entries(exp.outputs ?? {})) {
    const outputs = taskOutputs(runs.get(taskId) ?? [], byId);
    for (const [path, want] of Object.entries(paths)) {
      const got = dig(outputs, path);
      if (!got.found) problems.push(`outputs.${taskId}.${path} missing`);
      else if (!same(got.value, want)) problems.push(`outputs.${taskId}.${path} = ${JSON.stringify(got.value)} != ${JSON.stringify(want)}`);
    }
  }
  for (const [path, want] of Object.entries(exp.flow_outputs ?? {})) {
    const got = dig(ex.outputs ?? {}, path);
    if (!got.found) problems.push(`flow output ${path} missing`);
    else if (!same(got.value, want)) problems.push(`flow output ${path} = ${JSON.stringify(got.value)} != ${JSON.stringify(want)}`);
  }
  if (exp.replay && source) problems.push(...keptOutputs(source, exp.replay, ex));
  const history = (ex.state?.histories ?? []).map((h: Json) => h.state);
  for (const want of exp.execution_history_has ?? []) if (!history.includes(want)) problems.push(`execution history ${JSON.stringify(history)} lacks ${want}`);
  if (problems.length) problems.push(`execution ${id}`);
  return problems;
}

/** the execution once it and its task runs ended (60 s at most) */
async function settled(base: string, id: string, stopAt?: string): Promise<Json> {
  let ex: Json = {};
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const response = await fetch(`${base}/api/v1/executions/${id}`);
    if (response.status === 200) ex = await response.json();
    if (stopAt && stateOf(ex) === stopAt) break;
    if (TERMINAL.has(stateOf(ex) ?? "") && (ex.taskRunList ?? []).every((tr: Json) => TERMINAL.has(stateOf(tr) ?? ""))) break;
  }
  return ex;
}

/** a run's loop values, outermost first: its ancestors' and its own */
function valuePath(run: Json, byId: Map<string, Json>): string[] {
  const values: string[] = [];
  for (let r = run; r; r = byId.get(r.parentTaskRunId)) if (r.value !== undefined && r.value !== null) values.unshift(String(r.value));
  return values;
}

const runLabel = (run: Json, byId: Map<string, Json>) => {
  const values = valuePath(run, byId);
  return values.length ? `${run.taskId}[${values.join("/")}]` : run.taskId;
};

/** replays `source` from the case's task run; the replay's id, or undefined with the problem noted */
async function replayFrom(base: string, source: Json, replay: ConformanceReplay, problems: string[]): Promise<string | undefined> {
  const byId = new Map<string, Json>((source.taskRunList ?? []).map((tr: Json) => [tr.id, tr]));
  const want = JSON.stringify(replay.values ?? []);
  const from = (source.taskRunList ?? []).filter((tr: Json) => tr.taskId === replay.taskId && JSON.stringify(valuePath(tr, byId)) === want);
  if (from.length !== 1) {
    problems.push(`replay: ${from.length} runs of ${replay.taskId} with values ${want} in execution ${source.id}, expected 1`);
    return undefined;
  }
  const response = await fetch(`${base}/api/v1/executions/${source.id}/replay?taskRunId=${encodeURIComponent(from[0].id)}`, { method: "POST" });
  if (response.status >= 300) {
    problems.push(`replay: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
    return undefined;
  }
  const answered = (await response.json()) as Json;
  problems.push(...answerProblems("replay", replay.answer, answered, source));
  return answered.id as string;
}

/** starts another execution of the flow, restarts the ended `source` once that one is RUNNING; answers whether it was */
async function restartBehind(base: string, exp: ConformanceExpect, source: Json, problems: string[]): Promise<boolean> {
  const form = multipart(exp.restart_behind?.inputs ?? {});
  const started = await fetch(`${base}/api/v1/executions/${exp.namespace}/${exp.flowId}`, { method: "POST", headers: { "Content-Type": form.contentType }, body: form.body });
  if (started.status >= 300) {
    problems.push(`restart_behind: the other execution: HTTP ${started.status} ${(await started.text()).slice(0, 300)}`);
    return false;
  }
  const other = ((await started.json()) as Json).id as string;
  for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const state = stateOf(await (await fetch(`${base}/api/v1/executions/${other}`)).json());
    if (state === "RUNNING") break;
    if (Date.now() > deadline || TERMINAL.has(state ?? "")) {
      problems.push(`restart_behind: the other execution ${other} is ${state}, never seen RUNNING`);
      return false;
    }
  }
  const response = await fetch(`${base}/api/v1/executions/${source.id}/restart`, { method: "POST" });
  if (response.status >= 300) problems.push(`restart_behind: restart: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  return response.status < 300;
}

/** the runs whose outputs the replay carries over unchanged must be exactly `replay.kept` */
function keptOutputs(source: Json, replay: ConformanceReplay, ex: Json): string[] {
  const outputsBy = (e: Json) => {
    const byId = new Map<string, Json>((e.taskRunList ?? []).map((tr: Json) => [tr.id, tr]));
    return new Map<string, string>((e.taskRunList ?? []).filter((tr: Json) => tr.outputs && Object.keys(tr.outputs).length).map((tr: Json) => [runLabel(tr, byId), JSON.stringify(tr.outputs)]));
  };
  const before = outputsBy(source);
  const kept = [...outputsBy(ex)].filter(([label, outputs]) => before.get(label) === outputs).map(([label]) => label).sort();
  const want = [...replay.kept].sort();
  return same(kept, want) ? [] : [`replay kept the outputs of ${JSON.stringify(kept)} != ${JSON.stringify(want)}`];
}

/** the loop sub-executions (kind LOOP) below an execution, at every depth: Kestra's findLoopSubExecutions, repeated */
async function loopSubExecutions(base: string, exp: ConformanceExpect, id: string): Promise<Json[]> {
  const response = await fetch(`${base}/api/v1/executions/search?kind=LOOP&namespace=${encodeURIComponent(exp.namespace)}&flowId=${encodeURIComponent(exp.flowId)}&size=1000`);
  if (response.status !== 200) return [];
  const all = ((await response.json()) as Json).results as Json[];
  const below = new Set([id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of all) if (!below.has(e.id) && below.has(e.parentId)) (below.add(e.id), (grew = true));
  }
  return all.filter((e) => e.id !== id && below.has(e.id));
}

/** sends the review once a task run of its task is PAUSED; answers whether it was sent (a problem noted when not answered as expected) */
async function sendReview(base: string, rootId: string, root: Json, review: ConformanceReview, problems: string[], exp: ConformanceExpect): Promise<boolean> {
  // the Approval's task run, in the execution or in one of its loop sub-executions (a Loop's iterations run there)
  const paused = (ex: Json) => (ex.taskRunList ?? []).find((tr: Json) => tr.taskId === review.taskId && stateOf(tr) === "PAUSED");
  let id = rootId;
  let run = paused(root);
  if (!run) {
    for (const sub of await loopSubExecutions(base, exp, rootId)) {
      const full = (await (await fetch(`${base}/api/v1/executions/${sub.id}`)).json()) as Json;
      if ((run = paused(full))) {
        id = sub.id;
        break;
      }
    }
  }
  if (!run) return false;
  const body = { decision: review.decision, taskRunId: run.id, ...(review.comment !== undefined ? { comment: review.comment } : {}), ...(review.inputs ? { inputs: review.inputs } : {}) };
  const response = await fetch(`${base}/api/v1/executions/${id}/actions/review`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (review.refused !== undefined) {
    if (response.status < 400 || response.status >= 500 || !text.includes(review.refused)) problems.push(`review ${review.decision} of ${review.taskId}: HTTP ${response.status} ${text.slice(0, 300)}; expected a 4xx holding ${JSON.stringify(review.refused)}`);
  } else if (response.status !== 200) problems.push(`review ${review.decision} of ${review.taskId}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return true;
}
