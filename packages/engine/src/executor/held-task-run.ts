import { formatDuration, isTerminal, type Attempt, type StateRecord, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";

/**
 * A task run as the executor holds it between events (SavedExecutions). Once ended, its
 * state and attempts — two state records, seven `{state, date}` entries, their ISO dates, a
 * duration each: about 1.3 of the 1.5 KB a Return's run took — are packed into one short
 * string, and its outputs URI kept as head and tail strings its execution's runs share
 * around its id. What later events read of an ended run is its id, task id, parent, value,
 * current state (`currentOf`) and outputs URI, all without unpacking; a read of `state` or
 * `attempts` (a stale result, a restart's walk) unpacks it again, as it was, and the executor
 * packs it once more when the event is done (`repackHeld`). A ForEach over 100,000 values
 * holds them all while it runs (issue #18.1).
 *
 * Only runs that unpack exactly as they were are packed: a record of another shape (a key
 * this file does not know, a date not in toISOString's form, an attempt field that is an
 * object) stays as it is. Key order aside: an unpacked record has `transition`'s order.
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
  /** state and attempts, packed (`pack`) */
  #packed?: string;
  /** while packed: the state's current, and the outputs URI as head (shared), id, tail (shared) */
  #current?: TaskRunState;
  #uriHead?: string;
  #uriTail?: string;

  /** every field of TaskRunRecord (one added there is added here) */
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
    // read without unpacking: every job whose templates name a task's outputs reads its runs' URIs
    if (this.#packed !== undefined) return this.#uriHead === undefined ? this.#uriTail : `${this.#uriHead}${this.id}${this.#uriTail}`;
    return this.#outputsUri;
  }

  set outputsUri(uri: string | undefined) {
    if (this.#packed !== undefined) this.#unpack();
    this.#outputsUri = uri;
  }

  /** the state's current, read without unpacking (a walk reads it of every ended run of the branch it walks) */
  get current(): TaskRunState {
    return this.#packed !== undefined ? this.#current! : this.#state!.current;
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

  /**
   * Packs an ended run — or, with `inFlight`, one that has not ended too (see inFlightPackedFrom);
   * false (and nothing changed) when it has not ended and `inFlight` is not given, or would not unpack as it is.
   */
  pack(inFlight = false): boolean {
    if (this.#packed !== undefined) return true;
    const state = this.#state!;
    if (!inFlight && !isTerminal(state.current)) return false;
    const uri = this.#outputsUri;
    const cut = uri === undefined ? -1 : uri.lastIndexOf(this.id);
    const head = cut > 0 ? intern(uri!.slice(0, cut)) : undefined;
    const tail = uri === undefined || cut <= 0 ? uri : intern(uri.slice(cut + this.id.length));
    const out: unknown[] = [];
    if (!packState(state, 0, out)) return false;
    const base = Date.parse(state.startDate);
    for (const attempt of this.#attempts!) {
      const { state: attemptState, ...rest } = attempt;
      if (!packState(attemptState, base, out)) return false;
      const worker = Object.keys(rest).length === 1 && typeof rest.workerId === "string" ? workerIndex(rest.workerId) : -1;
      if (worker >= 0) out.push(worker);
      else if (plainValues(rest)) out.push(rest);
      else return false;
    }
    this.#packed = JSON.stringify(out);
    this.#current = state.current;
    this.#uriHead = head;
    this.#uriTail = tail;
    this.#state = undefined;
    this.#attempts = undefined;
    this.#outputsUri = undefined;
    return true;
  }

  #unpack(): void {
    const { state, attempts } = unpack(this.#packed!);
    this.#outputsUri = this.outputsUri;
    this.#state = state;
    this.#attempts = attempts;
    this.#packed = undefined;
    this.#current = undefined;
    this.#uriHead = undefined;
    this.#uriTail = undefined;
    unpackedRuns.add(this);
  }
}

/**
 * An event that leaves at least this many task runs changed packs those not ended too: a ForEach
 * with no concurrency limit creates all its runs in one event and they wait queued, each with its
 * unpacked state, attempt and five ISO dates — about 0.9 KB a run, 91 MB of a 270 MB heap at
 * 100,000 values (issue #18.1). Each is unpacked again when its result comes, which costs about
 * as much as packing it (tens of µs on this box, against ~400 µs a task run): below 20,000 runs
 * (a ForEach over 10,000 values holds ~9 MB so) the time is worth more than the memory, and an
 * event that changes fewer runs (one result, a fold of 31) leaves those in flight unpacked.
 */
let inFlightPackedFrom = 20_000;

export function inFlightPackedFromCount(): number {
  return inFlightPackedFrom;
}

/** sets the count above (a test's, to see the packing on a small ForEach); answers the one before */
export function setInFlightPackedFrom(count: number): number {
  const before = inFlightPackedFrom;
  inFlightPackedFrom = count;
  return before;
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

const CODES: Record<TaskRunState, string> = { CREATED: "C", QUEUED: "Q", RUNNING: "R", RETRYING: "T", SUCCESS: "S", WARNING: "W", FAILED: "F", KILLED: "K", SKIPPED: "P", CANCELLED: "N", RETRIED: "D", PAUSED: "A", RESTARTED: "E" };
const NAMES = Object.fromEntries(Object.entries(CODES).map(([name, code]) => [code, name]));
const STATE_KEYS = new Set(["current", "histories", "startDate", "endDate", "duration"]);

/**
 * Appends a state record to `out`: its states' codes, its first date in ms after `base`, each
 * later date in ms after the one before, then its endDate and duration, each 1 when it is
 * what `transition` makes (the last date; the time from start to end), 0 when absent. False
 * for a record of another shape.
 */
function packState(record: StateRecord<TaskRunState>, base: number, out: unknown[]): boolean {
  for (const key of Object.keys(record)) if (!STATE_KEYS.has(key)) return false;
  const { histories } = record;
  if (!histories.length || histories[0].date !== record.startDate || histories[histories.length - 1].state !== record.current) return false;
  let codes = "";
  const dates: number[] = [];
  let before = base;
  for (const { state, date, ...other } of histories) {
    const code = CODES[state] as string | undefined;
    const ms = Date.parse(date);
    // a date comes back as toISOString writes it: one written otherwise is not packed
    if (!code || Object.keys(other).length || !Number.isFinite(ms) || new Date(ms).toISOString() !== date) return false;
    codes += code;
    dates.push(ms - before);
    before = ms;
  }
  const { endDate, duration } = record;
  if ((endDate !== undefined && typeof endDate !== "string") || (duration !== undefined && typeof duration !== "string")) return false;
  const last = histories[histories.length - 1].date;
  out.push(codes, ...dates, endDate === undefined ? 0 : endDate === last ? 1 : endDate);
  out.push(duration === undefined ? 0 : endDate !== undefined && duration === formatDuration(Date.parse(endDate) - Date.parse(record.startDate)) ? 1 : duration);
  return true;
}

/** reads back a state record packed at `at` (packState); answers it and where the next field starts */
function unpackState(packed: unknown[], at: number, base: number): [StateRecord<TaskRunState>, number] {
  const codes = packed[at] as string;
  const histories: StateRecord<TaskRunState>["histories"] = [];
  let ms = base;
  for (let i = 0; i < codes.length; i++) {
    ms += packed[at + 1 + i] as number;
    histories.push({ state: NAMES[codes[i]] as TaskRunState, date: new Date(ms).toISOString() });
  }
  const record: StateRecord<TaskRunState> = { current: histories[histories.length - 1].state, histories, startDate: histories[0].date };
  const endDate = packed[at + 1 + codes.length];
  const duration = packed[at + 2 + codes.length];
  if (endDate !== 0) record.endDate = endDate === 1 ? histories[histories.length - 1].date : (endDate as string);
  if (duration !== 0) record.duration = duration === 1 ? formatDuration(Date.parse(record.endDate!) - Date.parse(record.startDate)) : (duration as string);
  return [record, at + 3 + codes.length];
}

function unpack(packed: string): { state: StateRecord<TaskRunState>; attempts: Attempt[] } {
  const fields = JSON.parse(packed) as unknown[];
  const [state, first] = unpackState(fields, 0, 0);
  const base = Date.parse(state.startDate);
  const attempts: Attempt[] = [];
  for (let at = first; at < fields.length; ) {
    const [attemptState, next] = unpackState(fields, at, base);
    const rest = fields[next];
    attempts.push({ state: attemptState, ...(typeof rest === "number" ? { workerId: workers[rest] } : (rest as object)) });
    at = next + 1;
  }
  return { state, attempts };
}

/** an attempt's other fields are strings, finite numbers and booleans (workerId, cached, logFile, retryAt): JSON gives them back as they are */
function plainValues(values: object): boolean {
  return Object.values(values).every((v) => v === undefined || typeof v === "string" || (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean");
}

/**
 * Worker ids, numbered: an attempt packs its worker's number, not its 36-character id. Never
 * renumbered (a packed run holds the number), so bounded: past the bound an id is packed whole.
 */
const workers: string[] = [];
const workerNumbers = new Map<string, number>();
const MAX_WORKERS = 1000;

function workerIndex(id: string): number {
  let index = workerNumbers.get(id);
  if (index === undefined) {
    if (workers.length >= MAX_WORKERS) return -1;
    index = workers.push(id) - 1;
    workerNumbers.set(id, index);
  }
  return index;
}

/** the heads and tails of outputs URIs (an execution's records folder, `.outputs.json`), one string each, so that runs share them; bounded, oldest first out */
const parts = new Map<string, string>();

function intern(part: string): string {
  const known = parts.get(part);
  if (known !== undefined) return known;
  parts.set(part, part);
  if (parts.size > 256) parts.delete(parts.keys().next().value!);
  return part;
}

/** the state's current of a task run, without unpacking a held one */
/** the run as a plain TaskRunRecord (what leaves the executor: a backend may clone or spread it) */
export function plainTaskRun(run: TaskRunRecord): TaskRunRecord {
  return run instanceof HeldTaskRun ? run.toJSON() : run;
}

export function currentOf(run: TaskRunRecord): TaskRunState {
  return run instanceof HeldTaskRun ? run.current : run.state.current;
}
