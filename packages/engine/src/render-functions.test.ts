import { definePlugin, defineTask, namespaceFileKey, setNamespaceIsolation, z } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderString } from "@ferry/core";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";
import { errorLogReader, errorLogsFunction } from "./error-logs.function.js";

/*
 * The functions that reach the runtime, on the real engine (SQLite, local storage, memory
 * queue, executor and worker): read, fileURI, fileExists, fileSize, isFileEmpty over the
 * execution's and its namespace's files (Kestra's AbstractFileFunction and subclasses, its
 * ReadFileFunctionTest, FileURIFunctionTest…), errorLogs() (ErrorLogsFunction), and
 * currentEachOutput() inside ForEach.
 */

// a task that writes a file of this task run, as a task writing a file in Kestra does
const writeFile = defineTask({
  kind: "runnable",
  type: "test.WriteFile",
  title: "writes a file",
  properties: z.object({ name: z.string(), content: z.string() }),
  async run(ctx, props) {
    return { uri: await ctx.putFile(props.name, props.content) };
  },
});

let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness([definePlugin({ name: "test", version: "0", tasks: [writeFile] })]);
  await h.storage.put(namespaceFileKey("test.files", "scripts/hello.txt"), "hello from a namespace file");
  await h.storage.put(namespaceFileKey("test.files", "empty.txt"), "");
  await h.storage.put(namespaceFileKey("test.other", "private.txt"), "another namespace's");
});
afterAll(async () => h?.close());

describe("file functions", () => {
  it("read, fileExists, fileSize and isFileEmpty the execution's files and its namespace's", async () => {
    const r = await h.run(`id: files
namespace: test.files
tasks:
  - { id: write, type: test.WriteFile, name: data.txt, content: "twelve bytes" }
  - id: check
    type: core.Return
    format: >-
      {{ read(outputs.write.uri) }}|{{ fileSize(outputs.write.uri) }}|{{ fileExists(outputs.write.uri) }}|{{ isFileEmpty(outputs.write.uri) }}|{{ read('scripts/hello.txt') }}|{{ read('nsfile:///scripts/hello.txt') }}|{{ fileEmpty('empty.txt') }}|{{ fileExists('nope.txt') }}|{{ fileURI('scripts/hello.txt') }}|{{ read(outputs.write.uri | replace({'ferry://': 'kestra:///'})) }}
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const value = ((await r.outputs("check")) as { value: string }).value;
    expect(value).toBe("twelve bytes|12|true|false|hello from a namespace file|hello from a namespace file|true|false|ferry://test/files/_files/scripts/hello.txt|twelve bytes");
  });

  it("reads a task file of another execution of its namespace (FileSizeFunctionTest.shouldReadFromAnotherExecution)", async () => {
    const first = await h.run(`id: writer\nnamespace: test.files\ntasks:\n  - { id: write, type: test.WriteFile, name: a.txt, content: Hello from a task output }\n`);
    const uri = ((await first.outputs("write")) as { uri: string }).uri;
    const r = await h.run(`id: sizer\nnamespace: test.files\ninputs:\n  - { id: u, type: STRING }\ntasks:\n  - { id: size, type: core.Return, format: "{{ fileSize(inputs.u) }}|{{ read(inputs.u) }}" }\n`, { u: uri });
    expect(((await r.outputs("size")) as { value: string }).value).toBe("24|Hello from a task output");
  });

  it("reads another namespace's task file and namespace file, as Kestra's open-source edition; not another execution's inputs", async () => {
    await h.storage.put(namespaceFileKey("test.other", "private.txt"), "other's namespace file");
    const first = await h.run(`id: writer\nnamespace: test.other\ntasks:\n  - { id: write, type: test.WriteFile, name: a.txt, content: other stuff }\n`);
    const uri = ((await first.outputs("write")) as { uri: string }).uri;
    const reader = `id: reader\nnamespace: test.files\ninputs:\n  - { id: u, type: STRING }\ntasks:\n  - { id: t, type: core.Return, format: "{{ read(inputs.u) }}" }\n`;
    const r = await h.run(reader, { u: uri });
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("t")).toEqual({ value: "other stuff" });
    const other = await h.run(`id: cross\nnamespace: test.files\ntasks:\n  - { id: t, type: core.Return, format: "{{ read('private.txt', namespace='test.other') }} / {{ read('nsfile://test.other/private.txt') }}" }\n`);
    expect(await other.outputs("t")).toEqual({ value: "other's namespace file / other's namespace file" });
    // an execution's inputs are its own: Kestra's AbstractFileFunction reads task files (`…/executions/<id>/files/…`) only
    const input = `ferry://${first.execution.namespace.split(".").join("/")}/writer/executions/${first.execution.id}/inputs/f/x.txt`;
    await h.storage.put(input.slice("ferry://".length), "an input");
    const inputs = await h.run(reader, { u: input });
    expect(inputs.execution.state.current).toBe("FAILED");
    expect(inputs.messages().join("\n")).toContain(`Unable to read the file '${input}' as it didn't belong to the current execution`);
    const scheme = await h.run(`id: scheme\nnamespace: test.files\ntasks:\n  - { id: t, type: core.Return, format: "{{ read('s3://bucket/x') }}" }\n`);
    expect(scheme.messages().join("\n")).toMatch(/Cannot process the URI s3:\/\/bucket\/x: scheme not supported/);
    const missing = await h.run(`id: missing\nnamespace: test.files\ntasks:\n  - { id: t, type: core.Return, format: "{{ fileSize('nope.txt') }}" }\n`);
    expect(missing.execution.state.current).toBe("FAILED");
  });

  it("with namespaces.isolation: tree, refuses another branch's task file and namespace file, naming why", async () => {
    const first = await h.run(`id: writer\nnamespace: test.other\ntasks:\n  - { id: write, type: test.WriteFile, name: a.txt, content: secret stuff }\n`);
    const uri = ((await first.outputs("write")) as { uri: string }).uri;
    const before = setNamespaceIsolation("tree");
    try {
      const r = await h.run(`id: reader\nnamespace: test.files\ninputs:\n  - { id: u, type: STRING }\ntasks:\n  - { id: steal, type: core.Return, format: "{{ read(inputs.u) }}" }\n`, { u: uri });
      expect(r.execution.state.current).toBe("FAILED");
      expect(r.messages().join("\n")).toContain(`Unable to read the file '${uri}' as it didn't belong to the current execution`);
      const other = await h.run(`id: cross\nnamespace: test.files\ntasks:\n  - { id: t, type: core.Return, format: "{{ read('private.txt', namespace='test.other') }}" }\n`);
      expect(other.execution.state.current).toBe("FAILED");
      expect(other.messages().join("\n")).toMatch(/a flow of namespace test\.files may not reach the namespace files \(read\('private\.txt'\)\) of namespace test\.other \(namespaces\.isolation: tree/);
      // its own branch still: a child namespace's task file
      const child = await h.run(`id: writer\nnamespace: test.files.child\ntasks:\n  - { id: write, type: test.WriteFile, name: b.txt, content: child stuff }\n`);
      const childUri = ((await child.outputs("write")) as { uri: string }).uri;
      const own = await h.run(`id: reader\nnamespace: test.files\ninputs:\n  - { id: u, type: STRING }\ntasks:\n  - { id: t, type: core.Return, format: "{{ read(inputs.u) }}" }\n`, { u: childUri });
      expect(await own.outputs("t")).toEqual({ value: "child stuff" });
    } finally {
      setNamespaceIsolation(before);
    }
  });

  it("works in flowable properties and flow outputs too, which the executor renders", async () => {
    const r = await h.run(`id: flowable-files
namespace: test.files
tasks:
  - { id: write, type: test.WriteFile, name: flag.txt, content: "yes" }
  - id: branch
    type: core.If
    condition: "{% if read(outputs.write.uri) == 'yes' %}true{% else %}false{% endif %}"
    then:
      - { id: chosen, type: core.Log, message: "read it" }
outputs:
  - { id: size, type: STRING, value: "{{ fileSize(outputs.write.uri) }} bytes, {{ read('scripts/hello.txt') | upper }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("chosen")).toBe("SUCCESS");
    expect(await r.flowOutputs()).toEqual({ size: "3 bytes, HELLO FROM A NAMESPACE FILE" });
  });
});

describe("errorLogs", () => {
  it("lists the execution's ERROR lines in an errors branch (ErrorLogsFunctionTest, docs)", async () => {
    const r = await h.run(`id: error-logs
namespace: test.files
tasks:
  - { id: fail, type: core.Fail, errorMessage: "Something went wrong, make sure to fix it asap" }
errors:
  - { id: alert, type: core.Log, message: "list of error logs — {{ errorLogs() }}" }
  - { id: count, type: core.Return, format: "{{ errorLogs() | length > 0 }} {{ (errorLogs() | first).taskId }}" }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().find((m) => m.startsWith("list of error logs"))).toMatch(/Something went wrong, make sure to fix it asap/);
    expect(((await r.outputs("count")) as { value: string }).value).toBe("true fail");
  });

  it("is refused where the executor renders, as Kestra allows it on workers only", async () => {
    const r = await h.run(`id: error-logs-flowable
namespace: test.files
tasks:
  - { id: t, type: core.If, condition: "{{ errorLogs() | length == 0 }}", then: [{ id: x, type: core.Log, message: x }] }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/'errorLogs' function can only be used where tasks run/);
  });
});

describe("errorLogs (ErrorLogsFunctionTest)", () => {
  const entry = (executionId: string, level: "INFO" | "ERROR", message: string) => ({ executionId, namespace: "namespace", flowId: "flow", level, message, timestamp: new Date().toISOString() });
  // the render's time bounds how long errorLogs() looks again for lines still on their way
  const render = (executionId: string) =>
    renderString("{{ errorLogs() }}", { variables: { execution: { id: executionId } }, functions: { errorLogs: errorLogsFunction(errorLogReader(async () => h.repository), executionId) }, limits: { timeoutMs: 800 } });

  it("shouldReturnNothingWhenNoErrors: []", async () => {
    await h.repository.appendLogs([entry("el-none", "INFO", "some log message")]);
    expect(await render("el-none")).toBe("[]");
  });

  it("shouldReturnErrorsWhenExistsErrors: the ERROR lines, not the INFO one", async () => {
    await h.repository.appendLogs([entry("el-some", "INFO", "some log message"), entry("el-some", "ERROR", "first error message"), entry("el-some", "ERROR", "second error message")]);
    const text = await render("el-some");
    expect(text).toContain("first error message");
    expect(text).toContain("second error message");
    expect(text).not.toContain("some log message");
  });
});

describe("loop values", () => {
  it("currentEachOutput and parent/parents read the current iteration (docs: EachSequential)", async () => {
    const r = await h.run(`id: each-output
namespace: test.files
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["value 1", "value 2"]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: ["a", "b"]
        tasks:
          - { id: first, type: io.kestra.plugin.core.debug.Return, format: "{{ task.id }} {{ parent.taskrun.value }}/{{ taskrun.value }}" }
          - { id: second, type: io.kestra.plugin.core.debug.Return, format: "{{ currentEachOutput(outputs.first).value }} | {{ parents[0].taskrun.value }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const values = r.runs("second").map((run) => run.value).sort();
    expect(values).toEqual(["a", "a", "b", "b"]);
    const outputs = await Promise.all(r.runs("second").map(async (run) => ((await h.store.read(run.outputsUri!)) as { value: string }).value));
    expect(outputs.sort()).toEqual(["first value 1/a | value 1", "first value 1/b | value 1", "first value 2/a | value 2", "first value 2/b | value 2"]);
  });
});
