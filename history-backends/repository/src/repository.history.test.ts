import { createSqliteRepository } from "@ferry/repository-sqlite";
import { historyContract, PRIMARY_ANSWERS_SKIPS } from "@ferry/testkit";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RepositoryHistoryStore } from "./repository.history.js";

historyContract(
  "repository (sqlite primary)",
  async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-history-")), "ferry.db") });
    return {
      store: new RepositoryHistoryStore(repository),
      // the primary is the history: data reaches it as the engine writes it
      async ingest(batch) {
        for (const { execution, taskRuns } of batch.executions) await repository.saveExecution(execution, taskRuns);
        await repository.appendLogs(batch.logs.map(({ seq: _seq, ...entry }) => entry));
        await repository.appendMetrics(batch.metrics.map(({ seq: _seq, ...entry }) => entry));
      },
      init: () => repository.init(),
      close: () => repository.close(),
    };
  },
  {
    ...PRIMARY_ANSWERS_SKIPS,
    "full-text log search across executions, newest first, paged": "the primary keeps no text index: this store refuses log search with 501",
  },
);

describe("repository history store: bad input", () => {
  it("refuses a page cursor it did not give, with 400", async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-history-")), "ferry.db") });
    await repository.init();
    try {
      const store = new RepositoryHistoryStore(repository);
      for (const after of ["page:0", "next", "", Buffer.from("[1,2]").toString("base64url")]) {
        await expect(store.searchExecutions({ size: 10, after })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/is not a cursor this API gave/) });
      }
      const cursor = Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000Z", "none"])).toString("base64url");
      expect((await store.searchExecutions({ size: 10, after: cursor })).results).toEqual([]);
    } finally {
      await repository.close();
    }
  });
});
