import { createSqliteRepository } from "@ferry/repository-sqlite";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXPORT_LEASE_KEY, ExportLease } from "./export-lease.js";

describe("history export lease", () => {
  it("one of two replicas holds it; it keeps it by renewing; the other takes it once the holder's last lease ran out", async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-lease-")), "ferry.db") });
    await repository.init();
    try {
      const changes: string[] = [];
      // renewals by hand, not by the timer, and a lease long enough that a loaded box's stall
      // between two calls cannot outlast it: what is checked is who holds it, not how fast
      const TTL = 3_000;
      const lease = (holder: string) => new ExportLease({ repository, holder, ttlMs: TTL, onChange: (held) => changes.push(`${holder} ${held}`) });
      const [a, b] = [lease("a"), lease("b")];
      expect(await a.renew()).toBe(true);
      expect(await b.renew()).toBe(false);
      // a renews before its lease runs out; past the first lease's end it still holds it
      await new Promise((r) => setTimeout(r, TTL * 0.6));
      expect(await a.renew()).toBe(true);
      const renewedAt = Date.now();
      await new Promise((r) => setTimeout(r, TTL * 0.6));
      expect(await b.renew()).toBe(false);
      expect([a.held, b.held]).toEqual([true, false]);
      expect((await repository.claim(EXPORT_LEASE_KEY, "someone", new Date(Date.now() + 1000).toISOString())).executionId).toBe("a");
      // a stops renewing: its lease is left to run out, and b wins the first try after that
      await a.stop();
      expect(a.held).toBe(false);
      await new Promise((r) => setTimeout(r, Math.max(0, renewedAt + TTL + 100 - Date.now())));
      expect(await b.renew()).toBe(true);
      expect(b.held).toBe(true);
      await b.stop();
      expect(changes).toEqual(["a true", "a false", "b true", "b false"]);
    } finally {
      await repository.close();
    }
  });

  it("a holder that cannot reach the primary counts itself the holder only until its lease runs out", async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-lease-")), "ferry.db") });
    await repository.init();
    let now = Date.now();
    const errors: string[] = [];
    const lease = new ExportLease({ repository, holder: "a", ttlMs: 15_000, now: () => now, onError: (_e, line) => errors.push(line) });
    expect(await lease.renew()).toBe(true);
    // the primary is gone: every call throws
    await repository.close();
    now += 5_000;
    expect(await lease.renew()).toBe(true);
    now += 10_001;
    expect(lease.held).toBe(false);
    expect(await lease.renew()).toBe(false);
    expect(errors[0]).toMatch(/^the history export lease could not be renewed: /);
  });
});
