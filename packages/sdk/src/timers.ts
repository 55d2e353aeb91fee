/**
 * Node's and Deno's timers take at most 2^31-1 ms (24.8 days): a longer delay fires at
 * once, with a TimeoutOverflowWarning (`Sleep: P30D` ended after 1 ms). These wait any
 * length, in steps of at most that. For waits that must outlive the process, keep their due
 * time in the repository instead (durable waits); these are for a process's own timers.
 */
const MAX_DELAY_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel(): void;
}

/** calls `fn` once, `ms` from now, however far that is */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const due = Date.now() + Math.max(0, ms);
  let handle: ReturnType<typeof setTimeout>;
  const step = () => {
    const left = due - Date.now();
    if (left <= 0) return fn();
    handle = setTimeout(step, Math.min(left, MAX_DELAY_MS));
  };
  handle = setTimeout(step, Math.min(Math.max(0, ms), MAX_DELAY_MS));
  return { cancel: () => clearTimeout(handle) };
}

/** calls `fn` every `ms`, however long that is */
export function setLongInterval(fn: () => void, ms: number): LongTimer {
  let current: LongTimer;
  const next = () => {
    current = setLongTimeout(() => {
      next();
      fn();
    }, ms);
  };
  next();
  return { cancel: () => current.cancel() };
}
