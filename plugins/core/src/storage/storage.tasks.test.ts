import { describe, expect, it } from "vitest";
// by path: @ferry/testkit depends on @ferry/core, whose tests load this plugin (no package cycle)
import { runTask } from "../../../../packages/testkit/src/index.js";
import { concatTask } from "./concat.task.js";
import { deduplicateItemsTask } from "./deduplicate-items.task.js";
import { filterItemsTask } from "./filter-items.task.js";
import { localFilesTask } from "./local-files.task.js";
import { purgeCurrentExecutionFilesTask } from "./purge-current-execution-files.task.js";
import { reverseTask } from "./reverse.task.js";
import { sizeTask } from "./size.task.js";
import { splitTask } from "./split.task.js";
import { writeTask } from "./write.task.js";

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
type Out = Record<string, any>;

describe("core.storage.Write", () => {
  it("stores the content with the extension (.tmp without one) and outputs its uri", async () => {
    const r = await runTask(writeTask, { content: "Hello {{ inputs.who }}", extension: ".txt" }, { inputs: { who: "World" } });
    const uri = (r.outputs as Out).uri as string;
    expect(uri).toMatch(/\.txt$/);
    expect(text(r.files[uri])).toBe("Hello World");
    expect((((await runTask(writeTask, { content: "x" })).outputs) as Out).uri).toMatch(/\.tmp$/);
  });
});

describe("core.storage.Concat", () => {
  const files = { "a.yml": "one", "b.yml": "two" };
  it("joins the files in order, the separator after each one (the last too), from a list or a JSON text", async () => {
    for (const list of [["ferry://test/a.yml", "ferry://test/b.yml"], '["ferry://test/a.yml", "ferry://test/b.yml"]']) {
      const r = await runTask(concatTask, { files: list, separator: "\n", extension: ".yml" }, { files });
      const uri = (r.outputs as Out).uri as string;
      expect(uri).toMatch(/\.yml$/);
      expect(text(r.files[uri])).toBe("one\ntwo\n");
    }
    const plain = await runTask(concatTask, { files: ["ferry://test/a.yml", "ferry://test/b.yml"] }, { files });
    expect(text(plain.files[(plain.outputs as Out).uri])).toBe("onetwo");
  });
  it("fails on a JSON text that is not a list, naming it", async () => {
    await expect(runTask(concatTask, { files: "{nope" }, { files })).rejects.toThrow(/files: expected a list of ferry:\/\/ URIs/);
  });
});

describe("core.storage.Split", () => {
  const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`).join("\n") + "\n";
  const parts = async (props: Record<string, unknown>, body = lines) => {
    const r = await runTask(splitTask, { from: "ferry://test/data.csv", ...props }, { files: { "data.csv": body } });
    return ((r.outputs as Out).uris as string[]).map((u) => {
      expect(u).toMatch(/\.csv$/);
      return text(r.files[u]);
    });
  };
  it("by rows: a new file every `rows` lines", async () => {
    expect(await parts({ rows: 4 })).toEqual(["line 0\nline 1\nline 2\nline 3\n", "line 4\nline 5\nline 6\nline 7\n", "line 8\nline 9\n"]);
  });
  it("by bytes: a new file once the current one holds at least that many bytes (`1KB` is 1024)", async () => {
    expect(await parts({ bytes: "14" })).toEqual(["line 0\nline 1\n", "line 2\nline 3\n", "line 4\nline 5\n", "line 6\nline 7\n", "line 8\nline 9\n"]);
    expect((await parts({ bytes: "1KB" })).length).toBe(1);
  });
  it("by partitions: round robin, empty partitions dropped", async () => {
    expect(await parts({ partitions: 3 })).toEqual(["line 0\nline 3\nline 6\nline 9\n", "line 1\nline 4\nline 7\n", "line 2\nline 5\nline 8\n"]);
    expect((await parts({ partitions: 20 })).length).toBe(10);
  });
  it("by regexPattern: grouped by the first capture group in order of appearance, other lines dropped; the separator is written after each line", async () => {
    const log = "[INFO] a\n[WARN] b\nno level\n[INFO] c\n";
    expect(await parts({ regexPattern: "\\[(\\w+)\\]", separator: ";" }, log)).toEqual(["[INFO] a;[INFO] c;", "[WARN] b;"]);
  });
  it("is refused without a way to split, and a bad size names it", async () => {
    await expect(parts({})).rejects.toThrow(/Invalid configuration with no size, count, rows, nor regexPattern/);
    await expect(parts({ bytes: "10 MB" })).rejects.toThrow(/bytes: invalid size with value '10 MB'/);
  });
});

describe("core.storage.Size and Reverse", () => {
  it("Size outputs the byte length; Reverse writes the lines last first, keeping the extension", async () => {
    const files = { "get.yml": "1\n2\n3\n", "é.txt": "é\n" };
    expect((await runTask(sizeTask, { uri: "ferry://test/é.txt" }, { files })).outputs).toEqual({ size: 3 });
    const r = await runTask(reverseTask, { from: "ferry://test/get.yml" }, { files });
    const uri = (r.outputs as Out).uri as string;
    expect(uri).toMatch(/\.yml$/);
    expect(text(r.files[uri])).toBe("3\n2\n1\n");
    const crlf = await runTask(reverseTask, { from: "ferry://test/get.yml", separator: "\r\n" }, { files });
    expect(text(crlf.files[(crlf.outputs as Out).uri])).toBe("3\r\n2\r\n1\r\n");
    await expect(runTask(reverseTask, { from: "ferry://test/get.yml", charset: "klingon" }, { files })).rejects.toThrow(/unknown charset 'klingon'/);
  });
});

const orders = [
  '{order_id:"1",customer_email:"kelly@example.com",price:166.89}',
  '{order_id:"2",customer_email:"miguel@example.net",price:171.63}',
  '{order_id:"3",customer_email:"kelly@example.com",price:166.89}',
  '{order_id:"4",customer_email:"jessica@example.com",price:50.62}',
  '{order_id:"5",customer_email:"jessica@example.com",price:50.62}',
].join("\n");

describe("core.storage.DeduplicateItems", () => {
  it("keeps the last item of each key, in file order, with Kestra's counts", async () => {
    const r = await runTask(deduplicateItemsTask, { from: "ferry://test/orders.ion", expr: "{{ customer_email }}" }, { files: { "orders.ion": orders } });
    const out = r.outputs as Out;
    expect(out).toMatchObject({ numKeys: 3, processedItemsTotal: 5, droppedItemsTotal: 2 });
    expect(out.uri).toMatch(/\.ion$/);
    expect(text(r.files[out.uri]).split("\n").filter(Boolean).map((l) => /order_id:"(\d)"/.exec(l)![1])).toEqual(["2", "3", "5"]);
  });
});

describe("core.storage.FilterItems", () => {
  const run = (props: Record<string, unknown>) => runTask(filterItemsTask, { from: "ferry://test/orders.ion", ...props }, { files: { "orders.ion": orders } });
  const kept = (r: Awaited<ReturnType<typeof run>>) => text(r.files[(r.outputs as Out).uri]).split("\n").filter(Boolean).map((l) => /order_id:"(\d)"/.exec(l)![1]);
  it("INCLUDE keeps the items the condition holds for; EXCLUDE drops them", async () => {
    const inc = await run({ filterCondition: "{{ price > 100 }}" });
    expect(kept(inc)).toEqual(["1", "2", "3"]);
    expect(inc.outputs).toMatchObject({ processedItemsTotal: 5, droppedItemsTotal: 2 });
    expect(kept(await run({ filterCondition: "{{ customer_email == 'kelly@example.com' }}", filterType: "EXCLUDE" }))).toEqual(["2", "4", "5"]);
  });
  it("an expression that fails fails the task (FAIL) or keeps or drops the item", async () => {
    await expect(run({ filterCondition: "{{ nope.deeper }}" })).rejects.toThrow(/filterCondition failed on item/);
    expect(kept(await run({ filterCondition: "{{ nope.deeper }}", errorOrNullBehavior: "INCLUDE" }))).toEqual(["1", "2", "3", "4", "5"]);
    expect(kept(await run({ filterCondition: "{{ nope.deeper }}", errorOrNullBehavior: "EXCLUDE" }))).toEqual([]);
  });
});

describe("core.storage.PurgeCurrentExecutionFiles and LocalFiles", () => {
  it("purges the execution's files and, with includeStates, this flow's states", async () => {
    const r = await runTask(purgeCurrentExecutionFilesTask, { includeStates: true }, { files: { "a.txt": "a" }, kv: { "test_states_tasks-states_default": { a: 1 }, other: "kept" } });
    expect(r.outputs).toEqual({ uris: ["ferry://test/a.txt"] });
    expect(r.purgedFiles).toEqual(["ferry://test/a.txt"]);
    expect(r.kv).toEqual({ other: "kept" });
  });
  it("LocalFiles writes its inputs in the working directory and stores the outputs matching Java globs", async () => {
    const r = await runTask(localFilesTask, { inputs: { "hello.txt": "Hello {{ inputs.who }}", "sub/dir/a.csv": "ferry://test/a.csv", "sub/b.txt": "b" }, outputs: ["sub/**", "*.txt"] }, {
      inputs: { who: "you" },
      files: { "a.csv": "1,2" },
    });
    const uris = (r.outputs as Out).uris as Record<string, string>;
    expect(Object.keys(uris).sort()).toEqual(["hello.txt", "sub/b.txt", "sub/dir/a.csv"]);
    expect(text(r.files[uris["hello.txt"]])).toBe("Hello you");
    expect(text(r.files[uris["sub/dir/a.csv"]])).toBe("1,2");
    await expect(runTask(localFilesTask, { inputs: { "../escape.txt": "x" } })).rejects.toThrow(/leaves the working directory/);
  });
});
