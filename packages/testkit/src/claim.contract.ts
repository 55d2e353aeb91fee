import { newId, type Repository } from "@ferry/sdk";
import { expect } from "vitest";

/** how many callers each race starts at once */
const RACERS = 20;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * A once-only start's claim (`claimStart`, `claimCreated`): a claim whose execution was not said
 * created is taken over once its holder's lease has passed — by exactly one of any number of
 * racing callers, under the holder's id — and a created claim (or one made by `claim`, as every
 * row was before the marker) never is. Called by the repository contract.
 */
export function claimStartCases(test: (name: string, fn: () => Promise<void>) => void, repo: () => Repository): void {
  test("claimStart: the first caller wins; while its lease holds, others lose and learn its id and lease; once created, they lose with no lease", async () => {
    const key = `start/${newId()}`;
    const lease = at(60_000);
    expect(await repo().claimStart(key, "holder", at(3_600_000), lease)).toEqual({ won: true, executionId: "holder" });
    expect(await repo().claimStart(key, "retry", at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder", pendingUntil: lease });
    await repo().claimCreated(key, "holder");
    expect(await repo().claimStart(key, "retry", at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder" });
    // said created by another id: nothing moves
    await repo().claimCreated(key, "retry");
    expect(await repo().claim(key, "other", at(60_000))).toEqual({ won: false, executionId: "holder" });
  });

  test("claimStart: a holder's lease passed with its execution not created is taken over under the holder's id, the lease moved", async () => {
    const key = `start/${newId()}`;
    expect((await repo().claimStart(key, "holder", at(3_600_000), at(-1_000))).won).toBe(true);
    const lease = at(60_000);
    expect(await repo().claimStart(key, "taker", at(3_600_000), lease)).toEqual({ won: true, executionId: "holder", takenOver: true });
    // the taker's lease holds now: the next caller waits on it
    expect(await repo().claimStart(key, "later", at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder", pendingUntil: lease });
    await repo().claimCreated(key, "holder");
    expect(await repo().claimStart(key, "later", at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder" });
  });

  test("claimStart: a created claim, or one made by claim() (as every row before the marker), is never taken over, its lease long passed", async () => {
    const created = `start/${newId()}`;
    await repo().claimStart(created, "holder", at(3_600_000), at(-1_000));
    await repo().claimCreated(created, "holder");
    expect(await repo().claimStart(created, "taker", at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder" });
    const old = `start/${newId()}`;
    await repo().claim(old, "holder", at(3_600_000));
    expect(await repo().claimStart(old, "taker", at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder" });
  });

  test("claimStart: an expired claim is free, pending or created", async () => {
    const key = `start/${newId()}`;
    await repo().claimStart(key, "holder", at(-1_000), at(-2_000));
    expect(await repo().claimStart(key, "next", at(3_600_000), at(60_000))).toEqual({ won: true, executionId: "next" });
  });

  test(`${RACERS} concurrent claimStarts of a free key: exactly one wins, every caller learns its id and lease`, async () => {
    const key = `start/${newId()}`;
    const ids = Array.from({ length: RACERS }, () => newId());
    const lease = at(60_000);
    const results = await Promise.all(ids.map((id) => repo().claimStart(key, id, at(3_600_000), lease)));
    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    expect(ids).toContain(winners[0].executionId);
    expect(new Set(results.map((r) => r.executionId))).toEqual(new Set([winners[0].executionId]));
    for (const lost of results.filter((r) => !r.won)) expect(lost.pendingUntil).toBe(lease);
  });

  test(`${RACERS} concurrent takeovers of a dead holder's claim: exactly one wins, under the holder's id`, async () => {
    const key = `start/${newId()}`;
    await repo().claimStart(key, "holder", at(3_600_000), at(-1_000));
    const results = await Promise.all(Array.from({ length: RACERS }, () => repo().claimStart(key, newId(), at(3_600_000), at(60_000))));
    expect(results.filter((r) => r.won)).toEqual([{ won: true, executionId: "holder", takenOver: true }]);
    expect(new Set(results.map((r) => r.executionId))).toEqual(new Set(["holder"]));
  });

  test("a takeover racing the late holder's claimCreated: at most one taker wins, all under the holder's id, and the claim ends created", async () => {
    for (let round = 0; round < 5; round++) {
      const key = `start/${newId()}`;
      await repo().claimStart(key, "holder", at(3_600_000), at(-1_000));
      const [, ...results] = await Promise.all([
        repo().claimCreated(key, "holder"),
        ...Array.from({ length: RACERS / 2 }, () => repo().claimStart(key, newId(), at(3_600_000), at(60_000))),
      ]);
      const taken = results as Awaited<ReturnType<Repository["claimStart"]>>[];
      expect(taken.filter((r) => r.won).length).toBeLessThanOrEqual(1);
      expect(new Set(taken.map((r) => r.executionId))).toEqual(new Set(["holder"]));
      // a taker that won creates under the holder's id, as the holder did: one insert lands, and the key is used for good
      await repo().claimCreated(key, "holder");
      expect(await repo().claimStart(key, newId(), at(3_600_000), at(60_000))).toEqual({ won: false, executionId: "holder" });
    }
  });
}
