import { rootedMatcher, workingDirMatcher } from "@ferry/sdk";
// Kestra's unit tests of its namespace file tasks (core/src/test/java/io/kestra/plugin/core/namespace/*Test.java);
// UploadFilesTest.shouldPutFileFromRegex (a working directory's file) is conformance tasks/186
import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { deleteFilesTask, downloadFilesTask, uploadFilesTask } from "./namespace-files.tasks.js";

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe("UploadFilesTest", () => {
  const upload = (conflict: string | undefined, namespaceFiles: Record<string, string> = {}) =>
    runTask(uploadFilesTask, { filesMap: { "/path/file.txt": "ferry://test/new.yml" }, namespace: "{{ inputs.namespace }}", destination: "/folder", ...(conflict ? { conflict } : {}) }, {
      inputs: { namespace: "test" }, files: { "new.yml": "new" }, namespaceFiles,
    });
  it("filesMap: stored at destination + key", async () => {
    const r = await upload(undefined);
    expect(Object.keys(r.namespaceFiles)).toEqual(["folder/path/file.txt"]);
    expect(text(r.namespaceFiles["folder/path/file.txt"])).toBe("new");
  });
  it("shouldThrowExceptionGivenAlreadyExistingFileWhenConflictError", async () => {
    await expect(upload("ERROR", { "folder/path/file.txt": "old" })).rejects.toThrow(/already exists/);
  });
  it("shouldPutFileGivenAlreadyExistingFileWhenConflictOverwrite (the default)", async () => {
    expect(text((await upload(undefined, { "folder/path/file.txt": "old" })).namespaceFiles["folder/path/file.txt"])).toBe("new");
  });
  it("shouldPutFileGivenAlreadyExistingFileWhenConflictSkip", async () => {
    expect(text((await upload("SKIP", { "folder/path/file.txt": "old" })).namespaceFiles["folder/path/file.txt"])).toBe("old");
  });
  it("filesMap as a JSON text (another task's output), namespace the flow's by default; neither files nor filesMap is refused", async () => {
    const r = await runTask(uploadFilesTask, { filesMap: '{"LICENCE": "ferry://test/new.yml"}' }, { files: { "new.yml": "MIT" } });
    expect(text(r.namespaceFiles["LICENCE"])).toBe("MIT");
    await expect(runTask(uploadFilesTask, {})).rejects.toThrow(/files or filesMap is required/);
  });
});

describe("DownloadFilesTest", () => {
  it("shouldDownloadNamespaceFile", async () => {
    const r = await runTask(downloadFilesTask, { files: ["**test1.txt"], namespace: "{{ inputs.namespace }}" }, { inputs: { namespace: "test" }, namespaceFiles: { "a/b/test1.txt": "1", "a/b/test2.txt": "2" } });
    const files = (r.outputs as { files: Record<string, string> }).files;
    expect(Object.keys(files)).toEqual(["/a/b/test1.txt"]);
    expect(text(r.files[files["/a/b/test1.txt"]])).toBe("1");
  });
});

describe("DeleteFilesTest", () => {
  it("shouldDeleteNamespaceFilesForMatchingExpression", async () => {
    const r = await runTask(deleteFilesTask, { files: ["**test1*"], namespace: "test" }, { namespaceFiles: { "a/b/test1.txt": "1", "a/b/test2.txt": "2" } });
    expect(Object.keys(r.namespaceFiles)).toEqual(["a/b/test2.txt"]);
  });
  it("shouldDeleteParentFolder: the folder goes with its last file", async () => {
    const r = await runTask(deleteFilesTask, { files: ["**/file.txt"], namespace: "test", deleteParentFolder: true }, { namespaceFiles: { "folder/file.txt": "content" } });
    expect(r.namespaceFiles).toEqual({});
  });
  it("shouldNotDeleteParentFolderWhenMultipleFilesExist", async () => {
    const r = await runTask(deleteFilesTask, { files: ["**/file1.txt"], namespace: "test", deleteParentFolder: true }, { namespaceFiles: { "folder/file1.txt": "1", "folder/file2.txt": "2" } });
    expect(Object.keys(r.namespaceFiles)).toEqual(["folder/file2.txt"]);
  });
  it("shouldNotDeleteParentFolderWhenFlagIsFalse: refused (Ferry keeps no empty folder)", async () => {
    await expect(runTask(deleteFilesTask, { files: ["**/file.txt"], namespace: "test", deleteParentFolder: false })).rejects.toThrow(/not supported by Ferry yet: false/);
  });
});

describe("PathMatcherPredicateTest (Kestra's core/src/test/java/io/kestra/core/utils)", () => {
  it("a plain name matches at any depth (**/ added before a word character); glob: and regex: as written", () => {
    expect(["/base/test.txt", "/base/sub/dir/test.txt"].every(rootedMatcher(["test.txt"]))).toBe(true);
    expect(["/base/test.txt", "/base/sub/dir/test.txt"].every(rootedMatcher(["**/*.txt"]))).toBe(true);
    expect(rootedMatcher(["regex:.*\\.json"])("/a/b.json")).toBe(true);
    expect(rootedMatcher(["regex:.*\\.json"])("/a/b.jsonl")).toBe(false);
    expect(rootedMatcher(["glob:/a/*"])("/a/b")).toBe(true);
    expect(rootedMatcher(["/a/**", "c/**"])("/b/c/d/3")).toBe(true);
    expect(rootedMatcher(["/a/**"])("/b/d/4")).toBe(false);
  });
  it("in a working directory, glob: and regex: patterns read the whole path, plain ones from the folder", () => {
    expect(workingDirMatcher(["glob:**application**"])("application-test.yml")).toBe(true);
    expect(workingDirMatcher(["glob:**application**"])("sub/application-test.yml")).toBe(true);
    expect(workingDirMatcher(["sub/**"])("sub/x/y")).toBe(true);
    expect(workingDirMatcher(["*.txt"])("d/a.txt")).toBe(false);
    expect(() => workingDirMatcher(["regex:("])).toThrow(/not a regular expression/);
  });
});
