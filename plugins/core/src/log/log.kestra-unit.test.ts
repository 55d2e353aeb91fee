// Kestra's LogTest (core/src/test/java/io/kestra/plugin/core/log/LogTest.java)
import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { logTask } from "./log.task.js";

describe("LogTest", () => {
  it("shouldLogNonStringMessageListElementsInsteadOfCrashing", async () => {
    const r = await runTask(logTask, { message: ["hello", 42, true] });
    expect(r.logs).toEqual([
      { level: "INFO", message: "hello" },
      { level: "INFO", message: "42" },
      { level: "INFO", message: "true" },
    ]);
  });
  it("a map in the list is still refused, naming the property", async () => {
    await expect(runTask(logTask, { message: ["hello", { a: 1 }] })).rejects.toThrow(/property message/);
  });
});
