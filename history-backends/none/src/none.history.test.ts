import { HistoryNotConfiguredError, START_POSITION } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { NoHistoryStore } from "./none.history.js";

describe("history type none", () => {
  const store = new NoHistoryStore();
  it("refuses every history query with a typed 501 naming what was asked", async () => {
    const asked = [
      store.searchExecutions({ size: 10 }),
      store.getExecution("x"),
      store.findLogs("x"),
      store.searchLogs({ q: "x", size: 10 }),
      store.findMetrics("x"),
      store.countStates({ from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z", groupBy: "day" }),
      store.write({ executions: [], logs: [], metrics: [] }, START_POSITION),
      store.position(),
      store.beginRebuild(),
      store.finishRebuild(),
      store.rebuilding(),
    ];
    for (const answer of asked) {
      const error = await answer.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(HistoryNotConfiguredError);
      expect((error as HistoryNotConfiguredError).status).toBe(501);
      expect((error as Error).message).toMatch(/history search is not configured \(history.type: none\)/);
    }
    expect((await store.searchLogs({ q: "x", size: 1 }).catch((e: Error) => e.message))).toMatch(/^searching logs:/);
  });
  it("is reachable and says it is not fed", async () => {
    await store.ping();
    expect(store.source).toBe("none");
  });
});
