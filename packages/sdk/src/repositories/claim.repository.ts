/**
 * Once-only keys: schedule fires, flow-trigger starts, webhook idempotency keys. `claim` is
 * atomic across processes: of any number of callers claiming one key, exactly one wins, and
 * every caller learns the winner's execution id. An expired claim is free.
 *
 * A once-only *start* (`claimStart`) is a claim, then a create, then `claimCreated`. Its claim
 * records whether its execution was created: a claim still pending once its holder's lease
 * has passed (the holder died between claim and create, or stalls) is taken over — won again,
 * under the same execution id, so the holder and its taker create one id and an id is inserted
 * once. A created claim (and a claim written by `claim`, or before the marker existed) is never
 * taken over: its execution may since have been purged, and must not run again.
 */
export interface ClaimRepository {
  /** claims `key` (≤ 255 characters) for `executionId` until `expires` (ISO-8601), created from the start */
  claim(key: string, executionId: string, expires: string): Promise<{ won: boolean; executionId: string }>;
  /**
   * A once-only start's claim: as `claim`, but pending — its execution not yet created — until
   * `lease` (ISO-8601). A pending claim whose lease passed is won again, by exactly one of the
   * callers racing for it, under its holder's execution id (`takenOver`); its lease moves to
   * `lease`. A lost claim says `pendingUntil` while it is pending, nothing once created.
   */
  claimStart(key: string, executionId: string, expires: string, lease: string): Promise<StartClaim>;
  /** records that the execution of `key`'s claim by `executionId` was created: it is never taken over */
  claimCreated(key: string, executionId: string): Promise<void>;
  /**
   * Moves the expiry of `key` to `expires` if `executionId` still holds it (a lease's renewal);
   * false when another holder took it, or it was forgotten once expired.
   */
  extendClaim(key: string, executionId: string, expires: string): Promise<boolean>;
  /** forgets claims that expired before `now`; returns how many */
  deleteExpiredClaims(now: string): Promise<number>;
}

export interface StartClaim {
  /** the caller is to create the execution `executionId` (its own id, or the holder's when `takenOver`) */
  won: boolean;
  executionId: string;
  /** won from a holder whose lease had passed with its execution not said created */
  takenOver?: boolean;
  /** lost to a holder that may still create: when its lease ends (absent once created) */
  pendingUntil?: string;
}
