import { createSqliteRepository } from "@ferry/repository-sqlite";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXPORT_LEASE_KEY, ExportLease } from "./export-lease.js";

describe("history export lease", () => {
  it("one of two replicas holds it; it keeps it by renewing; the other takes it once the holder stops renewing", async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-lease-")), "ferry.db") });
    await repository.init();
    try {
      const changes: string[] = [];
      const lease = (holder: string) => new ExportLease({ repository, holder, ttlMs: 600, onChange: (held) => changes.push(`${holder} ${held}`) });
      const [a, b] = [lease("a"), lease("b")];
      expect(await a.renew()).toBe(true);
      expect(await b.renew()).toBe(false);
      a.start();
      b.start();
      // three lease lengths: a renews every 200 ms, b tries as often and never wins
      await new Promise((r) => setTimeout(r, 1800));
      expect([a.held, b.held]).toEqual([true, false]);
      expect((await repository.claim(EXPORT_LEASE_KEY, "someone", new Date(Date.now() + 1000).toISOString())).executionId).toBe("a");
      await a.stop();
      expect(a.held).toBe(false);
      // b wins at its first try after a's last renewal ran out: within a lease and a try
      const stoppedAt = Date.now();
      while (!b.held && Date.now() - stoppedAt < 2000) await new Promise((r) => setTimeout(r, 20));
      expect(b.held).toBe(true);
      expect(Date.now() - stoppedAt).toBeLessThan(600 + 200 + 150);
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
