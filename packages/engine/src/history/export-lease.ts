import { errorMessage, type ClaimRepository } from "@ferry/sdk";

/** the claim key the exporting replica holds in the primary repository */
export const EXPORT_LEASE_KEY = "history/export";

export interface ExportLeaseOptions {
  repository: Pick<ClaimRepository, "claim" | "extendClaim">;
  /** this process's name in the lease: unique per process, readable in the claims table */
  holder: string;
  /** how long a lease lasts unrenewed; it is renewed (or tried for) every third of it */
  ttlMs: number;
  onError?: (error: unknown, message: string) => void;
  /** told when this process starts or stops holding the lease */
  onChange?: (held: boolean) => void;
  now?: () => number;
}

/**
 * One server replica at a time exports history: each one tries for a claim in the primary
 * repository every third of `ttlMs`; the holder extends it instead. A holder that dies stops
 * extending, its claim expires, and the next try of another replica wins it. A holder that
 * cannot reach the primary stops counting itself the holder once its lease would have run
 * out, so two replicas overlap at most by one renewal's round trip; their writes are
 * idempotent anyway, so an overlap costs work, never correctness.
 */
export class ExportLease {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private stopped = true;
  /** until when this process holds the lease (0: it does not) */
  private heldUntil = 0;
  private readonly now: () => number;

  constructor(private readonly options: ExportLeaseOptions) {
    this.now = options.now ?? Date.now;
  }

  get held(): boolean {
    return this.heldUntil > this.now();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** stops renewing; the lease is left to expire (a replica taking over waits out the ttl at most) */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.set(0);
  }

  /** one try: extend the lease if held, claim it otherwise */
  async renew(): Promise<boolean> {
    const { repository, holder, ttlMs } = this.options;
    const asked = this.now();
    const expires = new Date(asked + ttlMs).toISOString();
    try {
      const won = this.heldUntil > 0 && (await repository.extendClaim(EXPORT_LEASE_KEY, holder, expires))
        ? true
        : (await repository.claim(EXPORT_LEASE_KEY, holder, expires)).won;
      // counted from when it was asked: the primary may have stored it a moment later, never earlier
      this.set(won ? asked + ttlMs : 0);
    } catch (error) {
      // out of reach: still the holder until the lease it had runs out, then not
      if (!this.held) this.set(0);
      this.options.onError?.(error, `the history export lease could not be renewed: ${errorMessage(error)}`);
    }
    return this.held;
  }

  private set(until: number): void {
    const was = this.heldUntil > 0;
    this.heldUntil = until;
    if (was !== until > 0) this.options.onChange?.(until > 0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.renew().then(() => this.schedule(this.options.ttlMs / 3));
    }, delay);
    this.timer.unref?.();
  }
}
