import { parseDuration } from "@ferry/sdk";
import type { RetrySpec } from "@ferry/core";

/**
 * The delay before the next attempt, or undefined when the policy is spent.
 * `maxAttempts` counts every attempt, the first included, as Kestra counts it.
 */
export function nextRetryDelay(retry: RetrySpec | undefined, attemptsSoFar: number, firstAttemptDate: string): number | undefined {
  if (!retry) return undefined;
  if (retry.maxAttempts !== undefined && attemptsSoFar >= retry.maxAttempts) return undefined;
  const interval = retry.interval ? parseDuration(retry.interval) : 1000;
  let delay: number;
  switch (retry.type) {
    case "constant":
      delay = interval;
      break;
    case "exponential": {
      const factor = retry.delayFactor ?? 2;
      delay = interval * factor ** (attemptsSoFar - 1);
      if (retry.maxInterval) delay = Math.min(delay, parseDuration(retry.maxInterval));
      break;
    }
    case "random": {
      const min = retry.minInterval ? parseDuration(retry.minInterval) : 0;
      const max = retry.maxInterval ? parseDuration(retry.maxInterval) : interval;
      delay = min + Math.random() * Math.max(0, max - min);
      break;
    }
  }
  if (retry.maxDuration && Date.now() + delay - Date.parse(firstAttemptDate) > parseDuration(retry.maxDuration)) return undefined;
  if (retry.maxAttempts === undefined && !retry.maxDuration) return attemptsSoFar < 2 ? delay : undefined;
  return delay;
}
