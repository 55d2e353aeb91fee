import { formatClock, OperationalError } from "@ferry/sdk";

/** the task's `timeout` passed: the attempt fails and its retry policy applies, as for any transient failure */
export class TimeoutError extends OperationalError {
  constructor(readonly ms: number) {
    super(`Timeout after ${formatClock(ms)}`);
  }
}

/** the worker is stopping and gives the task run back to the executor */
export class HandedBackError extends Error {
  constructor() {
    super("handed back");
  }
}

/** the execution was killed: the attempt ends KILLED */
export class KilledError extends Error {
  constructor() {
    super("killed");
  }
}

/** ends as soon as the signal aborts, even if the task ignores it */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
