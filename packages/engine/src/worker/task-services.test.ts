import { setNamespaceIsolation } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/*
 * The run-context capabilities that reach past a task run (executions, logs, namespace files,
 * the execution's files, triggers, nested tasks), through Kestra's core tasks, on a real
 * executor and worker over SQLite and local storage.
 */
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
});
afterAll(async () => h?.close());

const text = async (uri: string) => new TextDecoder().decode(await h.storage.get(uri.slice("ferry://".length)));

describe("RunContext.executions", () => {
  it("log.Fetch writes this execution's lines at a level and above, as Ion, with their count", async () => {
    const r = await h.run(`id: fetch-logs
namespace: qa.tasks
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World
  - id: oops
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: This is an error message
  - id: fetch
    type: io.kestra.plugin.core.log.Fetch
    level: ERROR
  - id: only_hello
    type: io.kestra.plugin.core.log.Fetch
    tasksId: [hello]
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const errors = (await r.outputs("fetch")) as { uri: string; size: number };
    expect(errors.size).toBe(1);
    const ion = await text(errors.uri);
    expect(ion).toMatch(/^\{namespace:"qa\.tasks",flowId:"fetch-logs",taskId:"oops",executionId:"[^"]+",taskRunId:"[^"]+",attemptNumber:0,timestamp:\d{4}-\d\d-\d\dT[\d:.]+Z,level:"ERROR",message:"This is an error message"\}\n$/);
    expect(((await r.outputs("only_hello")) as { size: number }).size).toBe(1);
  });

  it("log.Fetch of another flow's execution needs its namespace and flowId; a namespace off the flow's branch is refused with namespaces.isolation: tree", async () => {
    const first = await h.run("id: talker\nnamespace: qa.tasks.sub\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: from talker\n");
    const r = await h.run(`id: reader
namespace: qa.tasks
tasks:
  - id: wrong_flow
    type: io.kestra.plugin.core.log.Fetch
    executionId: ${first.execution.id}
  - id: right_flow
    type: io.kestra.plugin.core.log.Fetch
    executionId: ${first.execution.id}
    namespace: qa.tasks.sub
    flowId: talker
`);
    expect(((await r.outputs("wrong_flow")) as { size: number }).size).toBe(0);
    expect(((await r.outputs("right_flow")) as { size: number }).size).toBe(1);
    const snooper = `id: snooper\nnamespace: other.team\ntasks:\n  - id: f\n    type: io.kestra.plugin.core.log.Fetch\n    executionId: ${first.execution.id}\n    namespace: qa.tasks.sub\n    flowId: talker\n`;
    // every namespace, as Kestra's open-source edition (FlowService.checkAllowedNamespace allows all)
    expect(((await (await h.run(snooper)).outputs("f")) as { size: number }).size).toBe(1);
    const before = setNamespaceIsolation("tree");
    try {
      const refused = await h.run(snooper);
      expect(refused.execution.state.current).toBe("FAILED");
      expect(refused.messages().join("\n")).toContain("may not reach the logs of namespace qa.tasks.sub (namespaces.isolation: tree");
    } finally {
      setNamespaceIsolation(before);
    }
  });

  it("execution.Count counts per flow (zeros included) and per namespace, keeping rows where the expression is true", async () => {
    await h.run("id: counted\nnamespace: qa.count\ntasks:\n  - id: ok\n    type: io.kestra.plugin.core.log.Log\n    message: one\n");
    await h.run("id: counted\nnamespace: qa.count\ntasks:\n  - id: ok\n    type: io.kestra.plugin.core.log.Log\n    message: two\n");
    // a flow of the same id in a child namespace is not counted with its parent's
    await h.run("id: counted\nnamespace: qa.count.child\ntasks:\n  - id: ok\n    type: io.kestra.plugin.core.log.Log\n    message: three\n");
    const r = await h.run(`id: counter
namespace: qa.count
tasks:
  - id: all
    type: io.kestra.plugin.core.execution.Count
    startDate: "{{ now() | dateAdd(-1, 'HOURS') }}"
    flows:
      - namespace: qa.count
        flowId: counted
      - namespace: qa.count
        flowId: never_ran
    namespaces: [qa.count.child]
    expression: "{{ count >= 0 }}"
  - id: idle
    type: io.kestra.plugin.core.execution.Count
    startDate: "{{ now() | dateAdd(-1, 'HOURS') }}"
    flows:
      - namespace: qa.count
        flowId: counted
      - namespace: qa.count
        flowId: never_ran
    expression: "{{ count == 0 }}"
  - id: none_yet
    type: io.kestra.plugin.core.execution.Count
    startDate: "2000-01-01T00:00:00Z"
    endDate: "2000-01-02T00:00:00Z"
    flows:
      - namespace: qa.count
        flowId: counted
    expression: "{{ count == 0 }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("all")).toEqual({
      results: [
        { namespace: "qa.count", flowId: "counted", count: 2 },
        { namespace: "qa.count", flowId: "never_ran", count: 0 },
        { namespace: "qa.count.child", flowId: null, count: 1 },
      ],
      total: 3,
    });
    expect(await r.outputs("idle")).toEqual({ results: [{ namespace: "qa.count", flowId: "never_ran", count: 0 }], total: 0 });
    expect(await r.outputs("none_yet")).toEqual({ results: [{ namespace: "qa.count", flowId: "counted", count: 0 }], total: 0 });
  });
});

describe("RunContext.namespaceFiles", () => {
  it("UploadFiles, DownloadFiles and DeleteFiles reach the namespace's files in storage, as the API keeps them", async () => {
    const r = await h.run(`id: ns-files
namespace: qa.nsfiles
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "print('hi')"
    extension: .py
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: qa.nsfiles
    files:
      /scripts/main.py: "{{ outputs.write.uri }}"
      data/keep.txt: "{{ outputs.write.uri }}"
  - id: upload_list
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: qa.nsfiles.child
    destination: /copied
    files:
      - "{{ outputs.write.uri }}"
  - id: skip
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: qa.nsfiles
    conflict: SKIP
    files:
      /scripts/main.py: "{{ outputs.write.uri }}"
  - id: download
    type: io.kestra.plugin.core.namespace.DownloadFiles
    namespace: qa.nsfiles
    files: ["**.py"]
  - id: delete
    type: io.kestra.plugin.core.namespace.DeleteFiles
    namespace: qa.nsfiles
    files: "/scripts/**"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(Object.keys(((await r.outputs("upload")) as { files: object }).files).sort()).toEqual(["data/keep.txt", "scripts/main.py"]);
    expect(((await r.outputs("skip")) as { files: object }).files).toEqual({});
    const downloaded = ((await r.outputs("download")) as { files: Record<string, string> }).files;
    expect(Object.keys(downloaded)).toEqual(["/scripts/main.py"]);
    expect(await text(downloaded["/scripts/main.py"])).toBe("print('hi')");
    expect(((await r.outputs("delete")) as { files: string[] }).files).toEqual(["/scripts/main.py"]);
    expect(await h.storage.list("qa/nsfiles/_files/")).toEqual(["qa/nsfiles/_files/data/keep.txt"]);
    expect((await h.storage.list("qa/nsfiles/child/_files/")).length).toBe(1);
  });

  it("ERROR on an existing file fails the task; a namespace off the flow's branch is refused with namespaces.isolation: tree", async () => {
    await h.storage.put("qa/nsfiles2/_files/a.txt", "old");
    const r = await h.run(`id: ns-conflict
namespace: qa.nsfiles2
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: new
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: qa.nsfiles2
    conflict: ERROR
    files:
      a.txt: "{{ outputs.write.uri }}"
`);
    expect(r.state("upload")).toBe("FAILED");
    expect(r.messages().join("\n")).toContain("namespace file a.txt already exists in namespace qa.nsfiles2 (conflict: ERROR)");
    expect(new TextDecoder().decode(await h.storage.get("qa/nsfiles2/_files/a.txt"))).toBe("old");
    await h.storage.put("elsewhere/_files/b.txt", "theirs");
    const deleteElsewhere = "id: ns-other\nnamespace: qa.nsfiles2\ntasks:\n  - id: d\n    type: io.kestra.plugin.core.namespace.DeleteFiles\n    namespace: elsewhere\n    files: '**'\n";
    const before = setNamespaceIsolation("tree");
    try {
      const other = await h.run(deleteElsewhere);
      expect(other.execution.state.current).toBe("FAILED");
      expect(other.messages().join("\n")).toContain("may not reach the namespace files of namespace elsewhere (namespaces.isolation: tree");
      expect(await h.storage.exists("elsewhere/_files/b.txt")).toBe(true);
    } finally {
      setNamespaceIsolation(before);
    }
    // every namespace otherwise, as Kestra's open-source edition
    expect((await h.run(deleteElsewhere)).execution.state.current).toBe("SUCCESS");
    expect(await h.storage.exists("elsewhere/_files/b.txt")).toBe(false);
  });

  it("secrets a task resolved are masked in what it uploads", async () => {
    const r = await h.run(`id: ns-secret
namespace: qa.nsfiles3
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "token={{ secret('API_TOKEN') }}"
  - id: upload
    type: io.kestra.plugin.core.namespace.UploadFiles
    namespace: qa.nsfiles3
    files:
      t.txt: "{{ outputs.write.uri }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(new TextDecoder().decode(await h.storage.get("qa/nsfiles3/_files/t.txt"))).toBe("token=******");
  });
});

describe("RunContext.executionFiles", () => {
  it("PurgeCurrentExecutionFiles deletes the files this execution stored, not its records, and storage.Delete deletes one", async () => {
    const r = await h.run(`id: purge-files
namespace: qa.purge
tasks:
  - id: one
    type: io.kestra.plugin.core.storage.Write
    content: a
  - id: two
    type: io.kestra.plugin.core.storage.Write
    content: b
  - id: del
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.two.uri }}"
  - id: del_again
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.two.uri }}"
  - id: purge
    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles
  - id: after
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.one.uri }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const one = ((await r.outputs("one")) as { uri: string }).uri;
    expect(await r.outputs("del")).toMatchObject({ deleted: true });
    expect(await r.outputs("del_again")).toMatchObject({ deleted: false });
    expect(await r.outputs("purge")).toEqual({ uris: [one] });
    expect(await h.storage.get(one.slice("ferry://".length))).toBeUndefined();
    expect(await r.outputs("after")).toEqual({ value: one });
  });

  it("storage.Delete refuses a file of another execution, and errorOnMissing fails on a missing one", async () => {
    const first = await h.run("id: owner\nnamespace: qa.purge\ntasks:\n  - id: w\n    type: io.kestra.plugin.core.storage.Write\n    content: mine\n");
    const uri = ((await first.outputs("w")) as { uri: string }).uri;
    const r = await h.run(`id: thief\nnamespace: qa.purge\ntasks:\n  - id: d\n    type: io.kestra.plugin.core.storage.Delete\n    uri: "${uri}"\n`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toContain("is not a file of execution");
    expect(await h.storage.get(uri.slice("ferry://".length))).toBeDefined();
    const missing = await h.run(`id: missing\nnamespace: qa.purge\ntasks:\n  - id: w\n    type: io.kestra.plugin.core.storage.Write\n    content: x\n  - id: d1\n    type: io.kestra.plugin.core.storage.Delete\n    uri: "{{ outputs.w.uri }}"\n  - id: d2\n    type: io.kestra.plugin.core.storage.Delete\n    uri: "{{ outputs.w.uri }}"\n    errorOnMissing: true\n`);
    expect(missing.state("d2")).toBe("FAILED");
    expect(missing.messages().join("\n")).toContain("Unable to find file");
  });
});

describe("RunContext.runTask", () => {
  it("TemplatedTask runs the rendered spec's task with its outputs, and refuses a flowable one", async () => {
    const r = await h.run(`id: templated
namespace: qa.templated
inputs:
  - id: level
    type: STRING
    defaults: WARN
tasks:
  - id: t
    type: io.kestra.plugin.core.templating.TemplatedTask
    spec: |
      type: io.kestra.plugin.core.debug.Return
      format: "level {{ inputs.level }}"
  - id: log
    type: io.kestra.plugin.core.templating.TemplatedTask
    spec: |
      type: io.kestra.plugin.core.log.Log
      level: {{ inputs.level }}
      message: from a template
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("t")).toEqual({ value: "level WARN" });
    expect(r.logs.find((l) => l.message === "from a template")?.level).toBe("WARN");
    const flowable = await h.run("id: templated-flowable\nnamespace: qa.templated\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.templating.TemplatedTask\n    spec: |\n      type: io.kestra.plugin.core.flow.Sequential\n      tasks: []\n");
    expect(flowable.execution.state.current).toBe("FAILED");
    expect(flowable.messages().join("\n")).toContain("The templated task must be a runnable task");
  });

  it("what the render produced is never rendered again, and unknown properties fail naming them", async () => {
    const r = await h.run(
      `id: templated-data
namespace: qa.templated
inputs:
  - id: text
    type: STRING
tasks:
  - id: t
    type: io.kestra.plugin.core.templating.TemplatedTask
    spec: |
      type: io.kestra.plugin.core.debug.Return
      format: "{{ inputs.text }}"
`,
      { text: "{{ secret('API_TOKEN') }}" },
    );
    expect(await r.outputs("t")).toEqual({ value: "{{ secret('API_TOKEN') }}" });
    const bad = await h.run("id: templated-bad\nnamespace: qa.templated\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.templating.TemplatedTask\n    spec: |\n      type: io.kestra.plugin.core.debug.Return\n      format: x\n      colour: red\n");
    expect(bad.execution.state.current).toBe("FAILED");
    expect(bad.messages().join("\n")).toMatch(/the templated io\.kestra\.plugin\.core\.debug\.Return task is invalid: .*colour/);
  });
});

describe("RunContext.triggers", () => {
  it("Toggle disables and enables a trigger in the repository, and fails on an unknown trigger or flow", async () => {
    const source = `id: toggled
namespace: qa.toggle
inputs:
  - id: enabled
    type: BOOLEAN
    defaults: false
tasks:
  - id: toggle
    type: io.kestra.plugin.core.trigger.Toggle
    trigger: schedule
    enabled: "{{ inputs.enabled }}"
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
`;
    expect((await h.run(source)).execution.state.current).toBe("SUCCESS");
    const state = async () => (await h.repository.listTriggerStates({ namespace: "qa.toggle", flowId: "toggled" }))[0];
    expect((await state()).disabled).toBe(true);
    expect((await h.run(source, { enabled: true })).execution.state.current).toBe("SUCCESS");
    const enabled = await state();
    expect(enabled.disabled).toBe(false);
    // enabled again, it resumes from now: no backlog of missed fires
    expect(Date.parse(enabled.lastFire!)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(enabled.nextFire!)).toBeGreaterThan(Date.now());
    const unknown = await h.run("id: toggler\nnamespace: qa.toggle\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Toggle\n    flowId: toggled\n    trigger: nope\n");
    expect(unknown.messages().join("\n")).toContain("Unable to find trigger nope for the flow qa.toggle.toggled");
    const noFlow = await h.run("id: toggler2\nnamespace: qa.toggle\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Toggle\n    flowId: ghost\n    trigger: x\n");
    expect(noFlow.messages().join("\n")).toContain("Unable to find flow qa.toggle.ghost");
  });
});
