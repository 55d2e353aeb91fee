import { isTerminal, type Attempt, type StateRecord, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";

/**
 * A task run as the executor holds it between events (SavedExecutions). Once ended, its
 * state and attempts — two state records, seven `{state, date}` entries, their ISO dates, a
 * duration each: about 1.3 of the 1.5 KB a Return's run took — are packed into one short
 * string and its outputs URI into a tail (the head, the execution's records folder, shared
 * by its runs): what later events read of an ended run is its id, task id, parent, value and
 * state, and they read the rest rarely (a stale result, a parent's outputs). A read of
 * `state` or `attempts` unpacks the run again, as it was; the executor packs it once more
 * when the event is done (`repackHeld`). A ForEach over 100,000 values holds them all while
 * it runs (issue #18.1).
 *
 * Only runs that pack back exactly are packed: a record another shape (a key this file does
 * not know, dates not in the executor's ISO form) stays as it is.
 */
export class HeldTaskRun implements TaskRunRecord {
  id: string;
  executionId: string;
  taskId: string;
  parentTaskRunId?: string;
  value?: string;
  planUri?: string;
  subflowExecutionId?: string;
  #state?: StateRecord<TaskRunState>;
  #attempts?: Attempt[];
  #outputsUri?: string;
  /** state, attempts and the outputs URI's tail, packed (`pack`) */
  #packed?: string;
  #uriHead?: string;

  constructor(run: TaskRunRecord) {
    this.id = run.id;
    this.executionId = run.executionId;
    this.taskId = run.taskId;
    this.parentTaskRunId = run.parentTaskRunId;
    this.value = run.value;
    this.planUri = run.planUri;
    this.subflowExecutionId = run.subflowExecutionId;
    this.#state = run.state;
    this.#attempts = run.attempts;
    this.#outputsUri = run.outputsUri;
  }

  get state(): StateRecord<TaskRunState> {
    if (this.#packed !== undefined) this.#unpack();
    return this.#state!;
  }

  set state(state: StateRecord<TaskRunState>) {
    if (this.#packed !== undefined) this.#unpack();
    this.#state = state;
  }

  get attempts(): Attempt[] {
    if (this.#packed !== undefined) this.#unpack();
    return this.#attempts!;
  }

  set attempts(attempts: Attempt[]) {
    if (this.#packed !== undefined) this.#unpack();
    this.#attempts = attempts;
  }

  get outputsUri(): string | undefined {
    if (this.#packed !== undefined) this.#unpack();
    return this.#outputsUri;
  }

  set outputsUri(uri: string | undefined) {
    if (this.#packed !== undefined) this.#unpack();
    this.#outputsUri = uri;
  }

  /** packed now (a test's view) */
  get packed(): boolean {
    return this.#packed !== undefined;
  }

  /** the record as JSON gives it: state, attempts and outputsUri are accessors, which JSON.stringify would leave out */
  toJSON(): TaskRunRecord {
    const { id, executionId, taskId, parentTaskRunId, value, state, attempts, outputsUri, planUri, subflowExecutionId } = this;
    return { id, executionId, taskId, parentTaskRunId, value, state, attempts, outputsUri, planUri, subflowExecutionId };
  }

  /** packs an ended run; false (and nothing changed) when it has not ended or would not unpack as it is */
  pack(): boolean {
    if (this.#packed !== undefined) return true;
    const state = this.#state!;
    if (!isTerminal(state.current)) return false;
    const uri = this.#outputsUri;
    const cut = uri === undefined ? -1 : uri.lastIndexOf(this.id);
    const head = cut > 0 ? internHead(uri!.slice(0, cut)) : undefined;
    const tail = uri === undefined ? null : cut > 0 ? uri.slice(cut + this.id.length) : uri;
    const packedState = packState(state);
    const packedAttempts: unknown[] = [];
    for (const attempt of this.#attempts!) {
      const { state: attemptState, ...rest } = attempt;
      const packedAttempt = packState(attemptState);
      if (!packedAttempt || !plainValues(rest)) return false;
      packedAttempts.push(packedAttempt, rest);
    }
    if (!packedState) return false;
    const packed = JSON.stringify([cut > 0 ? 1 : 0, tail, packedState, ...packedAttempts]);
    const back = unpack(packed, this.id, head);
    if (!sameJson(back.state, state) || !sameJson(back.attempts, this.#attempts) || back.outputsUri !== uri) return false;
    this.#packed = packed;
    this.#uriHead = head;
    this.#state = undefined;
    this.#attempts = undefined;
    this.#outputsUri = undefined;
    return true;
  }

  #unpack(): void {
    const { state, attempts, outputsUri } = unpack(this.#packed!, this.id, this.#uriHead);
    this.#state = state;
    this.#attempts = attempts;
    this.#outputsUri = outputsUri;
    this.#packed = undefined;
    this.#uriHead = undefined;
    unpackedRuns.add(this);
  }
}

/** runs unpacked by a read since their execution's last event ended: packed again when it does */
const unpackedRuns = new Set<HeldTaskRun>();

/** the execution's runs unpacked during its event, packed again (`keep` false: its records are let go, only forgotten here) */
export function repackHeld(executionId: string, keep: boolean): void {
  for (const run of unpackedRuns) {
    if (run.executionId !== executionId) continue;
    unpackedRuns.delete(run);
    if (keep) run.pack();
  }
}

/** how many unpacked runs wait to be packed again (none once no event is being handled) */
export function unpackedCount(): number {
  return unpackedRuns.size;
}

/** a record the executor holds: its own runs are HeldTaskRuns from their creation, those read from the repository become one here */
export function held(run: TaskRunRecord): HeldTaskRun {
  return run instanceof HeldTaskRun ? run : new HeldTaskRun(run);
}

const CODES: Record<TaskRunState, string> = { CREATED: "C", QUEUED: "Q", RUNNING: "R", RETRYING: "T", SUCCESS: "S", WARNING: "W", FAILED: "F", KILLED: "K", SKIPPED: "P", CANCELLED: "N", RETRIED: "D", PAUSED: "A" };
const NAMES = Object.fromEntries(Object.entries(CODES).map(([name, code]) => [code, name]));
const STATE_KEYS = new Set(["current", "histories", "startDate", "endDate", "duration"]);

/** [codes, first date in ms, then each later date as ms after the one before, endDate, duration]: undefined for a record of another shape */
function packState(record: StateRecord<TaskRunState>): unknown[] | undefined {
  for (const key of Object.keys(record)) if (!STATE_KEYS.has(key)) return undefined;
  const { histories } = record;
  if (!histories.length || histories[0].date !== record.startDate || histories[histories.length - 1].state !== record.current) return undefined;
  let codes = "";
  const out: unknown[] = [];
  let before = 0;
  for (const { state, date, ...other } of histories) {
    const code = CODES[state] as string | undefined;
    const ms = Date.parse(date);
    if (!code || Object.keys(other).length || !Number.isFinite(ms)) return undefined;
    codes += code;
    out.push(out.length ? ms - before : ms);
    before = ms;
  }
  const endDate = record.endDate === undefined ? 0 : record.endDate === histories[histories.length - 1].date ? 1 : record.endDate;
  return [codes, ...out, endDate, record.duration ?? 0];
}

function unpackState(packed: unknown[]): StateRecord<TaskRunState> {
  const [codes, ...rest] = packed as [string, ...number[]];
  const histories: StateRecord<TaskRunState>["histories"] = [];
  let ms = 0;
  for (let i = 0; i < codes.length; i++) {
    ms = i ? ms + rest[i] : rest[i];
    histories.push({ state: NAMES[codes[i]] as TaskRunState, date: new Date(ms).toISOString() });
  }
  const record: StateRecord<TaskRunState> = { current: histories[histories.length - 1].state, histories, startDate: histories[0].date };
  const endDate = rest[codes.length] as unknown;
  const duration = rest[codes.length + 1] as unknown;
  if (endDate !== 0) record.endDate = endDate === 1 ? histories[histories.length - 1].date : (endDate as string);
  if (duration !== 0) record.duration = duration as string;
  return record;
}

function unpack(packed: string, id: string, head: string | undefined): { state: StateRecord<TaskRunState>; attempts: Attempt[]; outputsUri?: string } {
  const [cut, tail, state, ...attempts] = JSON.parse(packed) as [number, string | null, unknown[], ...unknown[]];
  const outputsUri = tail === null ? undefined : cut ? `${head}${id}${tail}` : tail;
  const list: Attempt[] = [];
  for (let i = 0; i < attempts.length; i += 2) list.push({ state: unpackState(attempts[i] as unknown[]), ...(attempts[i + 1] as object) });
  return { state: unpackState(state), attempts: list, outputsUri };
}

/** an attempt's other fields are strings, numbers and booleans (workerId, cached, logFile, retryAt) */
function plainValues(values: object): boolean {
  return Object.values(values).every((v) => v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean");
}

/** equal as JSON, whatever the key order (PostgreSQL's jsonb sorts keys) */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return keysA.length === keysB.length && keysA.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** the heads of outputs URIs (an execution's records folder), one string each, so that its runs share it; bounded, oldest first out */
const heads = new Map<string, string>();

function internHead(head: string): string {
  const known = heads.get(head);
  if (known !== undefined) return known;
  heads.set(head, head);
  if (heads.size > 256) heads.delete(heads.keys().next().value!);
  return head;
}
