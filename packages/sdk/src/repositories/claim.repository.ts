/**
 * Once-only keys: schedule fires, flow-trigger starts, webhook idempotency keys. `claim` is
 * atomic across processes: of any number of callers claiming one key, exactly one wins, and
 * every caller learns the winner's execution id. An expired claim is free.
 */
export interface ClaimRepository {
  /** claims `key` (≤ 255 characters) for `executionId` until `expires` (ISO-8601) */
  claim(key: string, executionId: string, expires: string): Promise<{ won: boolean; executionId: string }>;
  /**
   * Moves the expiry of `key` to `expires` if `executionId` still holds it (a lease's renewal);
   * false when another holder took it, or it was forgotten once expired.
   */
  extendClaim(key: string, executionId: string, expires: string): Promise<boolean>;
  /** forgets claims that expired before `now`; returns how many */
  deleteExpiredClaims(now: string): Promise<number>;
}
