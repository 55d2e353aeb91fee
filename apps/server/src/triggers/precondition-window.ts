import { namespacePath, parseDuration, type Storage, type TimeWindow, type TriggerRef } from "@ferry/sdk";

const DAY = 24 * 3600_000;

/** one condition a window waits for, and what an execution that met it left there */
interface Entry {
  key: string;
  at: number;
  executionId: string;
  outputs: Record<string, unknown>;
  /** the upstream flow (results recorded before Ferry kept it have none) */
  flowId?: string;
}

export interface WindowResult {
  /** every condition is met within the window */
  ready: boolean;
  /** what decides "this set of results fires once": the results chosen, or the execution (resetOnSuccess false) */
  claimKey: string;
  /** the outputs of the executions that met the conditions, merged oldest first */
  outputs: Record<string, unknown>;
  /** the same, per upstream flow id (Kestra 2.0's `trigger.outputs.<flowId>`) */
  byFlow: Record<string, Record<string, unknown>>;
  /** marks the chosen results as used, when the window resets on success */
  reset(): Promise<void>;
}

/** `09:00:00+02:00` → seconds after local midnight and the offset in seconds (UTC without one) */
function timeOfDay(text: string): { seconds: number; offset: number } {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text)!;
  const zone = m[4] && m[4] !== "Z" ? m[4] : undefined;
  const offset = zone ? (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(1).replace(":", "").slice(2, 4) || "0") * 60) : 0;
  return { seconds: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? "0"), offset };
}

/**
 * What names a window period for fireOnce's claim: a fixed period by its start; a sliding (lookback) window,
 * whose start moves with every millisecond, by the last start it saw — two ends racing read the same one
 * (a review found two starts from `period@<now - length>`, one millisecond apart).
 */
function periodKey(window: TimeWindow | undefined, bounds: { start: number }, lastFired: number | undefined): string {
  return window?.type === "SLIDING_WINDOW" ? `after@${lastFired ?? "never"}` : `period@${bounds.start}`;
}

/** [start, end] of the window open at `now` (ms), or undefined when the window is closed now (past a daily deadline, outside a daily window) */
export function windowBounds(window: TimeWindow | undefined, now: number): { start: number; end: number } | undefined {
  const type = window?.type ?? "DURATION_WINDOW";
  if (type === "DURATION_WINDOW" || type === "SLIDING_WINDOW") {
    const length = parseDuration(window?.window ?? "PT24H");
    if (type === "SLIDING_WINDOW") return { start: now - length, end: now };
    const base = Math.floor(now / DAY) * DAY + parseDuration(window?.windowAdvance ?? "PT0S");
    const start = base + Math.floor((now - base) / length) * length;
    return { start, end: start + length - 1 };
  }
  const first = timeOfDay(type === "DAILY_TIME_DEADLINE" ? window!.deadline! : window!.startTime!);
  const localMidnight = Math.floor((now + first.offset * 1000) / DAY) * DAY - first.offset * 1000;
  if (type === "DAILY_TIME_DEADLINE") {
    const end = localMidnight + first.seconds * 1000;
    return now <= end ? { start: localMidnight, end } : undefined;
  }
  const last = timeOfDay(window!.endTime!);
  const start = localMidnight + first.seconds * 1000;
  const end = localMidnight + last.seconds * 1000 - (last.offset - first.offset) * 1000;
  return now >= start && now <= end ? { start, end } : undefined;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);
/** Kestra's MapUtils.deepMerge: `b` over `a`, maps merged, lists joined */
export function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === null || v === undefined) continue;
    const old = out[k];
    if (isMap(old) && isMap(v)) out[k] = deepMerge(old, v);
    else if (Array.isArray(old) && Array.isArray(v)) out[k] = [...old, ...v.filter((x) => !old.some((o) => JSON.stringify(o) === JSON.stringify(x)))];
    else out[k] = v;
  }
  return out;
}

/**
 * The durable results of a Flow trigger's preconditions (or MultipleCondition): which of its
 * conditions executions met, when, and with what outputs, as objects in internal storage under
 * `<namespace>/_flow-triggers/<flowId>/<triggerId>/<windowId>/`. Each result is its own object
 * per condition and execution (no read-modify-write between server replicas recording at once); a
 * reset is a marker: results up to it are used. The firing itself is claimed by the caller with `claimKey`, so the same set
 * of results starts one execution however many replicas see it.
 */
export class PreconditionWindows {
  constructor(private readonly storage: Storage, private readonly now: () => number = () => Date.now()) {}

  private base(ref: TriggerRef, windowId: string) {
    return `${namespacePath(ref.namespace)}/_flow-triggers/${ref.flowId}/${ref.triggerId}/${windowId}`;
  }

  /**
   * Records that `execution` met the conditions `met` (keys of `keys`), then says whether every
   * condition of the window has a result within it. Nothing is recorded while the window is closed.
   */
  async record(
    ref: TriggerRef,
    window: { id: string; keys: string[]; timeWindow?: TimeWindow; resetOnSuccess: boolean; required?: number; fireOnce?: boolean },
    execution: { id: string; outputs: Record<string, unknown>; flowId?: string; transition?: string },
    met: string[],
  ): Promise<WindowResult | undefined> {
    const now = this.now();
    const bounds = windowBounds(window.timeWindow, now);
    if (!bounds) return undefined;
    const base = this.base(ref, window.id);
    for (const key of met) {
      // one object per condition, execution and transition, written once: an end event delivered twice records nothing
      // new, while an execution entering a watched state again after a fire (a second Pause) counts again
      const object = `${base}/results/${key}/${execution.id}${(execution.transition ?? "").replace(/[^\w.-]/g, "_")}.json`;
      if (!(await this.storage.exists(object))) await this.storage.put(object, JSON.stringify({ at: now, executionId: execution.id, outputs: execution.outputs, flowId: execution.flowId }));
    }
    const resetAt = await this.resetAt(base);
    const entries: Entry[] = [];
    for (const object of await this.storage.list(`${base}/results/`)) {
      const [key] = object.slice(`${base}/results/`.length).split("/");
      const bytes = await this.storage.get(object);
      if (!bytes) continue;
      const entry = { key, ...(JSON.parse(new TextDecoder().decode(bytes)) as Omit<Entry, "key">) };
      // an older window's result is no longer needed; a used one stays until then, so that its execution is not recorded afresh
      if (entry.at < bounds.start) await this.storage.delete(object);
      else if (entry.at > resetAt && entry.at <= bounds.end) entries.push(entry);
    }
    entries.sort((a, b) => a.at - b.at || a.executionId.localeCompare(b.executionId));
    // fireOnce: a start within this window period already happened (its time is kept, as the reset's)
    const lastFired = window.fireOnce ? await this.markAt(`${base}/fired.json`) : undefined;
    const firedThisPeriod = lastFired !== undefined && lastFired >= bounds.start;
    const fired = async () => {
      if (window.fireOnce) await this.storage.put(`${base}/fired.json`, JSON.stringify({ at: now }));
    };
    if ((window.required ?? window.keys.length) === 1 && window.resetOnSuccess) {
      // one result is enough (mode ANY, or a single condition, resetting on success): each result starts its own execution, claimed
      // by that result alone. A claim naming the window's earliest results instead made two upstream ends applied
      // in the same instant claim the same set and start one execution, where one after the other they start two.
      // With fireOnce the claim names the period: one start per period however many ends race for it.
      const own = execution.outputs ?? {};
      return {
        ready: met.length > 0 && !firedThisPeriod,
        claimKey: window.fireOnce ? `${window.id}:${periodKey(window.timeWindow, bounds, lastFired)}` : `${window.id}<-${execution.id}${execution.transition ?? ""}`,
        outputs: own,
        byFlow: execution.flowId ? { [execution.flowId]: own } : {},
        reset: fired,
      };
    }
    const chosen = window.keys.map((key) => entries.find((e) => e.key === key));
    const satisfied = chosen.filter(Boolean).length;
    const ready = met.length > 0 && satisfied >= (window.required ?? window.keys.length) && !firedThisPeriod;
    const outputs = entries.reduce<Record<string, unknown>>((merged, e) => deepMerge(merged, e.outputs ?? {}), {});
    const byFlow: Record<string, Record<string, unknown>> = {};
    for (const e of entries) if (e.flowId) byFlow[e.flowId] = deepMerge(byFlow[e.flowId] ?? {}, e.outputs ?? {});
    // the set completes with its newest result, so every result seen is as old or older, and the reset consumes them
    // all, as Kestra's MultipleCondition window is deleted once it fired. Bounded by the chosen set, not by every result
    // seen: a reset said late (the start's server died before it, and a later end finds the set started) must not
    // consume the results that arrived since.
    const used = Math.max(...chosen.flatMap((e) => (e ? [e.at] : [])), resetAt);
    return {
      ready,
      // two or more results needed: the set chosen (the earliest result of each condition) is claimed, so ends
      // racing to complete the same set start it once
      claimKey: window.resetOnSuccess ? `${window.id}:${chosen.map((e) => (e ? `${e.key}@${e.at}-${e.executionId}` : "-")).join(",")}` : `${window.id}<-${execution.id}`,
      outputs,
      byFlow,
      reset: async () => {
        if (window.resetOnSuccess) await this.storage.put(`${base}/reset.json`, JSON.stringify({ at: used }));
        await fired();
      },
    };
  }

  private resetAt(base: string): Promise<number> {
    return this.markAt(`${base}/reset.json`);
  }

  /** the time a marker object holds, -Infinity when there is none */
  private async markAt(object: string): Promise<number> {
    const bytes = await this.storage.get(object);
    return bytes ? Number((JSON.parse(new TextDecoder().decode(bytes)) as { at: number }).at) : -Infinity;
  }
}
