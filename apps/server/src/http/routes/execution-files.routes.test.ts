import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ retention: { enabled: false } });
  await t.deploy(`id: files
namespace: files.test
inputs:
  - { id: doc, type: FILE }
tasks:
  - id: make
    type: script.Shell
    inputFiles: { in.txt: "{{ inputs.doc }}" }
    outputFiles: ["report.csv"]
    commands:
      - printf 'name,size\\n' > report.csv
      - printf 'doc,%s\\n' "$(wc -c < in.txt | tr -d ' ')" >> report.csv
  - id: read
    type: script.Shell
    inputFiles: { report.csv: "{{ outputs.make.outputFiles['report.csv'] }}" }
    commands: ["tail -n 1 report.csv"]
`);
}, 30_000);
afterAll(async () => t?.close());

type Execution = { id: string; state: { current: string }; inputs: { doc: string }; taskRunList: Array<{ taskId: string; outputs: any }> };
async function runWith(file: Blob, name: string, query = ""): Promise<Execution> {
  const body = new FormData();
  body.append("doc", file, name);
  const response = await t.api(`/executions/files.test/files?wait=true${query}`, { method: "POST", body });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Execution;
}
const file = (e: Execution, uri: string, what = "") => t.api(`/executions/${e.id}/file${what}?path=${encodeURIComponent(uri)}`);
const reportOf = (e: Execution) => e.taskRunList.find((r) => r.taskId === "make")!.outputs.outputFiles["report.csv"] as string;

describe("execution files", () => {
  it("downloads, sizes and previews a FILE input and a task's file; a later task read the earlier one's file", async () => {
    const e = await runWith(new Blob(["hello file"]), "doc.txt");
    expect(e.state.current).toBe("SUCCESS");
    expect(e.inputs.doc).toMatch(/^ferry:\/\/files\/test\/files\/executions\/.+\/inputs\/doc\/doc\.txt$/);
    const download = await file(e, e.inputs.doc);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toContain('filename="doc.txt"');
    expect(await download.text()).toBe("hello file");
    expect(await (await file(e, e.inputs.doc, "/metas")).json()).toEqual({ size: 10 });

    const report = reportOf(e);
    expect(await (await file(e, report)).text()).toBe("name,size\ndoc,10\n");
    expect(await (await file(e, report, "/preview")).json()).toEqual({ extension: "csv", type: "TEXT", content: "name,size\ndoc,10\n", truncated: false });
    const short = (await (await t.api(`/executions/${e.id}/file/preview?path=${encodeURIComponent(report)}&maxRows=1`)).json()) as { content: string; truncated: boolean };
    expect(short).toMatchObject({ content: "name,size", truncated: true });
    const logs = (await (await t.api(`/logs/${e.id}`)).json()) as Array<{ taskId: string; message: string }>;
    expect(logs.filter((l) => l.taskId === "read").map((l) => l.message)).toContain("doc,10");
  });

  it("previews the head of a large text file, cut at a line count or 1 MiB, and says it is truncated", async () => {
    const line = "é".repeat(99) + "\n"; // 199 bytes: the 1 MiB cut falls inside a character
    const big = await runWith(new Blob([line.repeat(12_000)]), "big.txt");
    const preview = (await (await file(big, big.inputs.doc, "/preview")).json()) as { type: string; content: string; truncated: boolean };
    expect(preview).toMatchObject({ type: "TEXT", truncated: true });
    expect(preview.content.split("\n")).toHaveLength(1000);
    const all = (await (await t.api(`/executions/${big.id}/file/preview?path=${encodeURIComponent(big.inputs.doc)}&maxRows=100000`)).json()) as { content: string; truncated: boolean };
    expect(all.truncated).toBe(true);
    expect(Buffer.byteLength(all.content)).toBeLessThanOrEqual(1024 * 1024);
    expect(all.content.startsWith(line.repeat(5000))).toBe(true);
    expect(all.content).not.toContain("\ufffd");
  });

  it("previews images as base64 and refuses to preview binary files", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const image = await runWith(new Blob([png]), "pixel.png");
    expect(await (await file(image, image.inputs.doc, "/preview")).json()).toEqual({ extension: "png", type: "IMAGE", content: Buffer.from(png).toString("base64") });
    expect((await file(image, image.inputs.doc)).headers.get("content-type")).toBe("image/png");
    const binary = await runWith(new Blob([new Uint8Array([0, 1, 2, 0xff, 0xfe])]), "blob.bin");
    const refused = await file(binary, binary.inputs.doc, "/preview");
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toMatch(/not text and cannot be previewed/);
  });

  it("refuses URIs outside the execution, unsafe paths and missing paths with clear 4xx JSON", async () => {
    const a = await runWith(new Blob(["a"]), "a.txt");
    const b = await runWith(new Blob(["b"]), "b.txt");
    const cases: Array<[string, number, RegExp]> = [
      [b.inputs.doc, 403, /is not a file of execution/],
      ["ferry://files/test/_files/x.txt", 403, /is not a file of execution/],
      [`ferry://files/test/files/executions/${a.id}/../${b.id}/inputs/doc/b.txt`, 400, /unsafe storage key/],
      ["/etc/passwd", 400, /not a ferry:\/\/ \(or Kestra's kestra:\/\/\) URI/],
      [`ferry://files/test/files/executions/${a.id}/never-written.txt`, 404, /has no file/],
    ];
    for (const [uri, status, message] of cases) {
      const response = await file(a, uri);
      expect(response.status, uri).toBe(status);
      expect(((await response.json()) as { message: string }).message, uri).toMatch(message);
    }
    expect((await t.api(`/executions/${a.id}/file`)).status).toBe(400);
    expect((await t.api(`/executions/no-such-execution/file?path=${encodeURIComponent(a.inputs.doc)}`)).status).toBe(404);
  });

  it("takes a FILE input given as a URI only when it is one of the namespace's files", async () => {
    const stored = await t.api("/namespaces/files.test/files?path=data/seed.txt", { method: "PUT", body: "seed bytes" });
    expect(stored.status).toBeLessThan(300);
    const start = (doc: string) => t.api("/executions/files.test/files?wait=true", { method: "POST", body: JSON.stringify({ doc }), headers: { "content-type": "application/json" } });
    const ok = (await (await start("ferry://files/test/_files/data/seed.txt")).json()) as Execution;
    expect(ok.state.current).toBe("SUCCESS");
    expect(await (await file(ok, reportOf(ok))).text()).toBe("name,size\ndoc,10\n");
    const other = await runWith(new Blob(["other"]), "other.txt");
    for (const foreign of [other.inputs.doc, "ferry://elsewhere/_files/data/seed.txt"]) {
      const refused = await start(foreign);
      expect(refused.status, foreign).toBe(422);
      expect(((await refused.json()) as { message: string }).message).toBe(`input doc: ${foreign} is not a file of this execution or of namespace files.test's files`);
    }
  });

  it("answers 410 purged for bytes a retention rule removed, and keeps the history visible", async () => {
    const e = await runWith(new Blob(["soon purged"]), "gone.txt");
    const report = reportOf(e);
    // what a bucket lifecycle rule does: the bytes go, the records stay
    await rm(join(t.dir, ".ferry/storage", e.inputs.doc.slice("ferry://".length)));
    await rm(join(t.dir, ".ferry/storage", report.slice("ferry://".length)));
    for (const [uri, what] of [[e.inputs.doc, ""], [e.inputs.doc, "/preview"], [report, "/metas"]]) {
      const response = await file(e, uri, what);
      expect(response.status, `${uri}${what}`).toBe(410);
      expect(((await response.json()) as { message: string }).message).toMatch(/purged/);
    }
    const history = (await (await t.api(`/executions/${e.id}`)).json()) as Execution;
    expect(history.state.current).toBe("SUCCESS");
    expect(history.inputs.doc).toBe(e.inputs.doc);
  });
});

describe("files passed to a subflow", () => {
  it("copies a parent's file given to a subflow's FILE input under the child, which reads it", async () => {
    await t.deploy(`id: child
namespace: files.child
inputs:
  - { id: report, type: FILE }
tasks:
  - id: show
    type: script.Shell
    inputFiles: { report.csv: "{{ inputs.report }}" }
    commands: ["wc -l < report.csv | tr -d ' '"]
`);
    await t.deploy(`id: parent
namespace: files.test
tasks:
  - id: make
    type: script.Shell
    outputFiles: ["report.csv"]
    commands: ["printf 'a\\nb\\nc\\n' > report.csv"]
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: files.child
    flowId: child
    inputs: { report: "{{ outputs.make.outputFiles['report.csv'] }}" }
`);
    const parent = (await (await t.api("/executions/files.test/parent?wait=true", { method: "POST" })).json()) as Execution & { taskRunList: Array<{ taskId: string; outputs: any }> };
    expect(parent.state.current).toBe("SUCCESS");
    const childId = parent.taskRunList.find((r) => r.taskId === "call")!.outputs.executionId as string;
    const child = (await (await t.api(`/executions/${childId}`)).json()) as { inputs: { report: string } };
    expect(child.inputs.report).toBe(`ferry://files/child/child/executions/${childId}/inputs/report/report.csv`);
    const logs = (await (await t.api(`/logs/${childId}`)).json()) as Array<{ taskId: string; message: string }>;
    expect(logs.filter((l) => l.taskId === "show").map((l) => l.message)).toContain("3");
  });
});

describe("restart after a purge", () => {
  it("refuses with 410 naming what is gone when a FILE input or the inputs were purged", async () => {
    await t.deploy("id: fails\nnamespace: files.test\ninputs:\n  - { id: doc, type: FILE }\ntasks:\n  - { id: no, type: core.Fail, errorMessage: failed on purpose }\n");
    const body = new FormData();
    body.append("doc", new Blob(["input bytes"]), "in.txt");
    const failed = (await (await t.api("/executions/files.test/fails?wait=true", { method: "POST", body })).json()) as Execution;
    expect(failed.state.current).toBe("FAILED");
    await rm(join(t.dir, ".ferry/storage", failed.inputs.doc.slice("ferry://".length)));
    const refused = await t.api(`/executions/${failed.id}/restart`, { method: "POST" });
    expect(refused.status).toBe(410);
    expect(((await refused.json()) as { message: string }).message).toBe(`execution ${failed.id} cannot be restarted: ${failed.inputs.doc} was purged from internal storage`);
    // the inputs document: under a key of the create's own (storage-keys createdKey), as every create given its id
    const records = join(t.dir, ".ferry/storage/files/test/fails/executions", failed.id);
    await rm(join(records, (await readdir(records)).find((name) => /^inputs(\.c[^.]+)?\.json$/.test(name))!));
    expect(((await (await t.api(`/executions/${failed.id}/restart`, { method: "POST" })).json()) as { message: string }).message).toMatch(/inputs(\.c[^.]+)?\.json was purged/);
    expect(((await (await t.api(`/executions/${failed.id}`)).json()) as Execution).state.current).toBe("FAILED");
  });
});

describe("per-execution storage prefix", () => {
  it("writes the execution's files under its own prefix, its records in the deployment's layout", async () => {
    const e = await runWith(new Blob(["raw data"]), "raw.txt", "&storagePrefix=raw/team-a");
    expect(e.state.current).toBe("SUCCESS");
    expect(e.inputs.doc).toBe(`ferry://raw/team-a/${e.id}/inputs/doc/raw.txt`);
    expect(reportOf(e)).toMatch(new RegExp(`^ferry://raw/team-a/${e.id}/files/make/`));
    expect(await (await file(e, reportOf(e))).text()).toBe("name,size\ndoc,8\n");
    const records = await readdir(join(t.dir, ".ferry/storage/files/test/files/executions", e.id));
    expect(records.some((name) => /^inputs(\.c[^.]+)?\.json$/.test(name))).toBe(true);
    expect(records.some((name) => name.startsWith("make.") && name.endsWith(".outputs.json"))).toBe(true);
    expect(records).not.toContain("files");
  });

  it("refuses a prefix that is unsafe or reaches into Ferry's own names", async () => {
    for (const prefix of ["../escape", "team/_kv", "a/executions/b", "a//b"]) {
      const body = new FormData();
      body.append("doc", new Blob(["x"]), "x.txt");
      const response = await t.api(`/executions/files.test/files?storagePrefix=${encodeURIComponent(prefix)}`, { method: "POST", body });
      expect(response.status, prefix).toBe(400);
      expect(((await response.json()) as { message: string }).message, prefix).toMatch(/storagePrefix/);
    }
  });
});
