// Kestra's unit tests of its storage tasks (core/src/test/java/io/kestra/plugin/core/storage/*Test.java), method by method
import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { concatTask } from "./concat.task.js";
import { deduplicateItemsTask } from "./deduplicate-items.task.js";
import { deleteTask } from "./delete.task.js";
import { filterItemsTask } from "./filter-items.task.js";
import { localFilesTask } from "./local-files.task.js";
import { reverseTask } from "./reverse.task.js";
import { sizeTask } from "./size.task.js";
import { splitTask } from "./split.task.js";
import { writeTask } from "./write.task.js";

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
type Out = Record<string, any>;
/** SplitTest.content: the numbers from 0, each left-padded to 20 characters, one a line */
const content = (count: number) => Array.from({ length: count }, (_, i) => String(i).padStart(20));

describe("SplitTest", () => {
  const split = async (count: number, props: Record<string, unknown>) => {
    const r = await runTask(splitTask, { from: "ferry://test/get.yml", ...props }, { files: { "get.yml": content(count).join("\n") + "\n" } });
    const uris = (r.outputs as Out).uris as string[];
    return { uris, all: uris.map((u) => text(r.files[u])).join("") };
  };
  it("partition: 8 files of .yml holding the 1000 lines", async () => {
    const { uris, all } = await split(1000, { partitions: 8 });
    expect(uris.length).toBe(8);
    expect(uris[0]).toMatch(/\.yml$/);
    expect(all.split("\n").length - 1).toBe(1000);
  });
  it("rows: 100 files, the lines in order", async () => {
    const { uris, all } = await split(1000, { rows: 10 });
    expect(uris.length).toBe(100);
    expect(all).toBe(content(1000).join("\n") + "\n");
  });
  it("bytes: 1KB gives 251 files of 12288 lines", async () => {
    const { uris, all } = await split(12288, { bytes: "1KB" });
    expect(uris.length).toBe(251);
    expect(all).toBe(content(12288).join("\n") + "\n");
  });
});

describe("ConcatTest", () => {
  const body = "a: 1\nb:\n  c: 2\n";
  for (const [name, files] of [["list", ["ferry://test/get.yml", "ferry://test/get.yml"]], ["json", '["ferry://test/get.yml","ferry://test/get.yml"]']] as const) {
    it(`${name}: the file twice, each followed by the separator, as .yml`, async () => {
      const r = await runTask(concatTask, { files, separator: "\n", extension: ".yml" }, { files: { "get.yml": body } });
      const uri = (r.outputs as Out).uri as string;
      expect(text(r.files[uri])).toBe(`${body}\n${body}\n`);
      expect(uri).toMatch(/\.yml$/);
    });
  }
});

const ion = (items: Array<Record<string, unknown>>) =>
  items.map((o) => `{${Object.entries(o).map(([k, v]) => `${k}:${v === null ? "null" : typeof v === "string" ? JSON.stringify(v) : v}`).join(",")}}`).join("\n") + "\n";
const lines = (r: { files: Record<string, Uint8Array>; outputs: unknown }) => text(r.files[(r.outputs as Out).uri]).split("\n").filter(Boolean);

describe("DeduplicateItemsTest", () => {
  it("shouldDeduplicateFileGivenKeyExpression", async () => {
    const items = [["k1", "v1"], ["k2", "v1"], ["k3", "v1"], ["k1", "v2"], ["k2", "v2"], ["k2", null], ["k3", "v2"], ["k1", "v3"]].map(([key, value]) => ({ key, value }));
    const r = await runTask(deduplicateItemsTask, { from: "ferry://test/kv.ion", expr: " {{ key }} " }, { files: { "kv.ion": ion(items) } });
    expect(r.outputs).toMatchObject({ numKeys: 3, droppedItemsTotal: 5, processedItemsTotal: 8 });
    expect(lines(r)).toEqual(['{key:"k2",value:null}', '{key:"k3",value:"v2"}', '{key:"k1",value:"v3"}']);
  });
  it("shouldDeduplicateFileGivenKeyExpressionReturningArray", async () => {
    const items = [["k1", "k1", "v1"], ["k2", "k2", "v1"], ["k3", "k3", "v1"], ["k1", "k1", "v2"], ["k2", "k2", null], ["k3", "k3", "v2"], ["k1", "k1", "v3"]].map(([key, v1, v2]) => ({ key, v1, v2 }));
    const r = await runTask(deduplicateItemsTask, { from: "ferry://test/kv.ion", expr: " {{ key }}-{{ v1 }}" }, { files: { "kv.ion": ion(items) } });
    expect(r.outputs).toMatchObject({ numKeys: 3, droppedItemsTotal: 4, processedItemsTotal: 7 });
    expect(lines(r)).toEqual(['{key:"k2",v1:"k2",v2:null}', '{key:"k3",v1:"k3",v2:"v2"}', '{key:"k1",v1:"k1",v2:"v3"}']);
  });
});

describe("FilterItemsTest", () => {
  const valid = ion([1, 2, 3, 4].map((n) => ({ key: `k${n}`, value: n })));
  const invalid = ion([{ key: "k1", value: 1 }, { key: "k2", value: "dummy" }, { key: "k3", value: 3 }, { key: "k4", value: 4 }]);
  const run = (body: string, props: Record<string, unknown>) => runTask(filterItemsTask, { from: "ferry://test/kv.ion", ...props }, { files: { "kv.ion": body } });
  it("shouldFilterGivenValidBooleanExpressionForInclude", async () => {
    const r = await run(valid, { filterCondition: " {{ value % 2 == 0 }} ", filterType: "INCLUDE" });
    expect(r.outputs).toMatchObject({ droppedItemsTotal: 2, processedItemsTotal: 4 });
    expect(lines(r)).toEqual(['{key:"k2",value:2}', '{key:"k4",value:4}']);
  });
  it("shouldFilterGivenValidBooleanExpressionForExclude", async () => {
    const r = await run(valid, { filterCondition: " {{ value % 2 == 0 }} ", filterType: "EXCLUDE" });
    expect(r.outputs).toMatchObject({ droppedItemsTotal: 2, processedItemsTotal: 4 });
    expect(lines(r)).toEqual(['{key:"k1",value:1}', '{key:"k3",value:3}']);
  });
  it("shouldThrowExceptionGivenInvalidRecordsForFail", async () => {
    await expect(run(invalid, { filterCondition: " {{ value % 2 == 0 }}", filterType: "INCLUDE", errorOrNullBehavior: "FAIL" })).rejects.toThrow();
  });
  it("shouldFilterGivenInvalidRecordsForInclude", async () => {
    const r = await run(invalid, { filterCondition: " {{ value % 2 == 0 }}", filterType: "INCLUDE", errorOrNullBehavior: "INCLUDE" });
    expect(r.outputs).toMatchObject({ droppedItemsTotal: 2, processedItemsTotal: 4 });
    expect(lines(r)).toEqual(['{key:"k2",value:"dummy"}', '{key:"k4",value:4}']);
  });
  it("shouldFilterGivenInvalidRecordsForExclude", async () => {
    const r = await run(invalid, { filterCondition: " {{ value % 2 == 0 }}", filterType: "INCLUDE", errorOrNullBehavior: "EXCLUDE" });
    expect(r.outputs).toMatchObject({ droppedItemsTotal: 3, processedItemsTotal: 4 });
    expect(lines(r)).toEqual(['{key:"k4",value:4}']);
  });
  it("shouldFilterWithNotMatchGivenNonBooleanValue", async () => {
    const r = await run(valid, { filterCondition: "{{ value }}", filterType: "INCLUDE", errorOrNullBehavior: "FAIL" });
    expect(r.outputs).toMatchObject({ droppedItemsTotal: 0, processedItemsTotal: 4 });
    expect(lines(r).length).toBe(4);
  });
});

describe("ReverseTest, SizeTest, WriteTest, DeleteTest", () => {
  it("ReverseTest.run", async () => {
    const r = await runTask(reverseTask, { from: "ferry://test/get.yml" }, { files: { "get.yml": "1\n2\n3\n" } });
    expect((r.outputs as Out).uri).toMatch(/\.yml$/);
    expect(text(r.files[(r.outputs as Out).uri])).toBe("3\n2\n1\n");
  });
  it("SizeTest.run: 42 random bytes", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(42));
    expect((await runTask(sizeTask, { uri: "ferry://test/get.yml" }, { files: { "get.yml": bytes } })).outputs).toMatchObject({ size: 42 });
  });
  it("WriteTest.run", async () => {
    const r = await runTask(writeTask, { content: "Hello World", extension: ".txt" });
    expect(text(r.files[(r.outputs as Out).uri])).toBe("Hello World");
  });
  it("DeleteTest.run: deleted, then not, then errorOnMissing fails", async () => {
    expect((await runTask(deleteTask, { uri: "ferry://test/get.yml" }, { files: { "get.yml": "x" } })).outputs).toMatchObject({ deleted: true });
    expect((await runTask(deleteTask, { uri: "ferry://test/get.yml" })).outputs).toMatchObject({ deleted: false });
    await expect(runTask(deleteTask, { uri: "ferry://test/get.yml", errorOnMissing: true })).rejects.toThrow(/Unable to find file/);
  });
});

describe("LocalFilesTest", () => {
  it("run: one output, the storage file copied", async () => {
    const r = await runTask(localFilesTask, { inputs: { "hello-input.txt": "Hello Input", "execution.txt": "{{ inputs.toto }}", "application-test.yml": "ferry://test/get.yml" }, outputs: ["hello-input.txt"] }, { inputs: { toto: "tata" }, files: { "get.yml": "a: 1\n" } });
    const uris = (r.outputs as Out).uris as Record<string, string>;
    expect(Object.keys(uris)).toEqual(["hello-input.txt"]);
    expect(text(r.files[uris["hello-input.txt"]])).toBe("Hello Input");
  });
  it("recursive: test/** gives the three files", async () => {
    const r = await runTask(localFilesTask, { inputs: { "test/hello-input.txt": "Hello Input", "test/sub/dir/2/execution.txt": "{{ inputs.toto }}", "test/sub/dir/3/application-test.yml": "ferry://test/get.yml" }, outputs: ["test/**"] }, { inputs: { toto: "tata" }, files: { "get.yml": "a: 1\n" } });
    const uris = (r.outputs as Out).uris as Record<string, string>;
    expect(Object.keys(uris).length).toBe(3);
    expect(text(r.files[uris["test/hello-input.txt"]])).toBe("Hello Input");
    expect(text(r.files[uris["test/sub/dir/2/execution.txt"]])).toBe("tata");
    expect(text(r.files[uris["test/sub/dir/3/application-test.yml"]])).toBe("a: 1\n");
  });
});
