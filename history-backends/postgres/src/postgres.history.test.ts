import { historyContract } from "@ferry/testkit";
import { describe } from "vitest";
import { PostgresHistoryStore } from "./postgres.history.js";
import { createHistoryTestDatabase, POSTGRES_URL } from "./test-database.test-support.js";

describe.skipIf(!POSTGRES_URL)("postgres history store", () => {
  historyContract("postgres", async () => {
    const database = await createHistoryTestDatabase();
    const store = new PostgresHistoryStore({ url: database.url, poolSize: 5 });
    return {
      store,
      ingest: (batch, position) => store.write(batch, position),
      init: () => store.init(),
      close: async () => {
        await store.close();
        await database.drop();
      },
    };
  });
});
