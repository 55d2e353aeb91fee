// Kestra's PurgeKVTest (core/src/test/java/io/kestra/plugin/core/kv/PurgeKVTest.java): what the task refuses before it
// purges; the purges themselves run on a real server (conformance tasks/188)
import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { purgeKvTask } from "./purge.tasks.js";

describe("PurgeKVTest", () => {
  it("should_not_find_namespaces_with_incorrect_parameters: namespaces and namespacePattern together are refused in Kestra's words", async () => {
    await expect(runTask(purgeKvTask, { namespaces: ["ns1", "ns2", "parent"], namespacePattern: "*par*" })).rejects.toThrow(
      "Properties `namespaces` and `namespacePattern` can't be used at the same time — use one or the other.",
    );
  });
  it("version_filter_by_date, version_filter_by_keep_amount: behavior type version is refused (Ferry keeps no earlier versions)", async () => {
    await expect(runTask(purgeKvTask, { behavior: { type: "version", keepAmount: 2 } })).rejects.toThrow(/not supported by Ferry yet: behavior type version/);
  });
  it("an unknown behavior type is refused, naming the property", async () => {
    await expect(runTask(purgeKvTask, { behavior: { type: "everything" } })).rejects.toThrow(/property behavior/);
  });
});
