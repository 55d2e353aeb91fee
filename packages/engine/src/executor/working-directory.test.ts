import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import scriptPlugin from "../../../../plugins/script/src/index.js";

/*
 * Kestra's WorkingDirectory with real script.Shell children (real /bin/sh processes) on the
 * engine's embedded parts: one job on one worker, each child its own task run.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([scriptPlugin])), 30_000);
afterAll(async () => h?.close());

const read = async (uri: unknown) => new TextDecoder().decode(await h.storage.get(String(uri).replace(/^ferry:\/\//, "")));

describe("core.WorkingDirectory", () => {
  it("runs its children in one folder: a file one writes is read by the next, each child its own task run", async () => {
    const r = await h.run(`
id: wd_shared
namespace: test.wd
tasks:
  - id: wdir
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: first
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo "{{ taskrun.id }}" > {{ workingDir }}/stay.txt
      - id: second
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo '::{"outputs":{"stay":"'$(cat stay.txt)'","cwd":"'$(pwd)'"}}::'
      - id: third
        type: core.Return
        format: "{{ outputs.second.vars.stay }}"
  - id: after
    type: core.Return
    format: "{{ outputs.third.value }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const wdir = r.runs("wdir")[0];
    const [first, second, third] = ["first", "second", "third"].map((t) => r.runs(t)[0]);
    expect([first, second, third].map((run) => run.parentTaskRunId)).toEqual([wdir.id, wdir.id, wdir.id]);
    expect([first, second, third].map((run) => run.state.current)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    // the file holds the first child's own task run id, read back by the second in the same folder
    expect(((await r.outputs("second")) as { vars: { stay: string } }).vars.stay).toBe(first.id);
    expect(await r.outputs("after")).toEqual({ value: first.id });
    // one worker ran them all, one after another
    expect(new Set([first, second, third].map((run) => run.attempts[0].workerId))).toEqual(new Set([wdir.attempts[0].workerId]));
    expect(Date.parse(second.state.startDate)).toBeGreaterThanOrEqual(Date.parse(first.state.endDate!));
    expect(wdir.state.current).toBe("SUCCESS");
    // the children saw the folder as {{ workingDir }}; it went once they all ran
    const { cwd } = ((await r.outputs("second")) as { vars: { cwd: string } }).vars;
    expect(cwd).toMatch(/ferry-task-/);
    expect(existsSync(cwd)).toBe(false);
  });

  it("stops at the first failure: the rest never run, the WorkingDirectory fails and its errors branch runs", async () => {
    const r = await h.run(`
id: wd_fail
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: ok
        type: script.Shell
        commands: ["echo fine > f.txt"]
      - id: boom
        type: script.Shell
        commands: ["exit 3"]
      - id: never
        type: script.Shell
        commands: ["echo never"]
    errors:
      - id: handler
        type: core.Log
        message: "handled {{ task.id }}"
  - id: skipped
    type: core.Log
    message: not reached
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("ok")).toBe("SUCCESS");
    expect(r.state("boom")).toBe("FAILED");
    expect(r.runs("never")).toEqual([]);
    expect(r.state("wdir")).toBe("FAILED");
    expect(r.state("handler")).toBe("SUCCESS");
    expect(r.runs("skipped")).toEqual([]);
  });

  it("a child's parents list the WorkingDirectory only when it has a value of its own, as Kestra's Execution.parents does", async () => {
    const r = await h.run(`
id: wd_parents
namespace: test.wd
tasks:
  - id: each
    type: core.ForEach
    values: [a]
    tasks:
      - id: wdir
        type: core.WorkingDirectory
        tasks:
          - id: inside
            type: core.Log
            message: "in {{ parent.task.id }}={{ parent.taskrun.value }} of {{ parents | length }}"
  - id: plain
    type: core.WorkingDirectory
    tasks:
      - id: alone
        type: core.Log
        message: "alone with {{ parents | length }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain("in wdir=a of 1");
    expect(r.messages()).toContain("alone with 0");
  });

  it("a child with allowFailure goes on: the WorkingDirectory ends WARNING", async () => {
    const r = await h.run(`
id: wd_allow
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: boom
        type: script.Shell
        allowFailure: true
        commands: ["echo partial > p.txt; exit 1"]
      - id: next
        type: script.Shell
        commands: ["cat p.txt"]
`);
    expect(r.state("boom")).toBe("WARNING");
    expect(r.state("next")).toBe("SUCCESS");
    expect(r.state("wdir")).toBe("WARNING");
    expect(r.execution.state.current).toBe("WARNING");
  });

  it("places inputFiles (text, a storage URI, rendered) and stores outputFiles by their path", async () => {
    const r = await h.run(`
id: wd_files
namespace: test.wd
inputs:
  - id: greeting
    type: STRING
    defaults: hello
tasks:
  - id: source
    type: core.storage.Write
    content: "from storage"
    extension: .txt
  - id: wdir
    type: core.WorkingDirectory
    inputFiles:
      greeting.txt: "{{ inputs.greeting }} world"
      copied.txt: "{{ outputs.source.uri }}"
    outputFiles:
      - "*.out"
      - "sub/**"
    tasks:
      - id: work
        type: script.Shell
        commands:
          - cat greeting.txt > result.out
          - mkdir -p sub/deep && cat copied.txt > sub/deep/c.out
          - echo ignored > ignored.txt
  - id: show
    type: core.Return
    format: "{{ outputs.wdir.outputFiles['result.out'] }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const { outputFiles } = (await r.outputs("wdir")) as { outputFiles: Record<string, string> };
    expect(Object.keys(outputFiles).sort()).toEqual(["result.out", "sub/deep/c.out"]);
    expect(await read(outputFiles["result.out"])).toBe("hello world");
    expect(await read(outputFiles["sub/deep/c.out"])).toBe("from storage");
    expect(await r.outputs("show")).toEqual({ value: outputFiles["result.out"] });
  });

  it("copies the namespace's files that include matches and exclude does not", async () => {
    await h.storage.put("test/wd/_files/scripts/main.sh", "echo from-namespace");
    await h.storage.put("test/wd/_files/scripts/skip.sh", "echo skipped");
    await h.storage.put("test/wd/_files/data/d.txt", "data");
    const r = await h.run(`
id: wd_ns
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    namespaceFiles:
      enabled: true
      include: ["scripts/**", "data/**"]
      exclude: ["**/skip.sh"]
    tasks:
      - id: list
        type: script.Shell
        commands:
          - echo '::{"outputs":{"files":"'$(find . -type f -not -path './.ferry/*' | sort | tr '\\n' ' ')'"}}::'
          - sh scripts/main.sh
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(((await r.outputs("list")) as { vars: { files: string } }).vars.files.trim()).toBe("./data/d.txt ./scripts/main.sh");
    expect(r.messages()).toContain("from-namespace");
  });

  it("keeps the files cache.patterns match after a success and restores them in the next execution, until ttl", async () => {
    const flow = (ttl: string) => `
id: wd_cache
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    cache:
      patterns: ["deps/**"]
      ttl: ${ttl}
    tasks:
      - id: install
        type: script.Shell
        commands:
          - if [ -f deps/lib.txt ]; then echo '::{"outputs":{"from":"cache:'$(cat deps/lib.txt)'"}}::'; else mkdir -p deps/bin && echo "{{ execution.id }}" > deps/lib.txt && printf '#!/bin/sh\\necho run' > deps/bin/tool && chmod +x deps/bin/tool && echo '::{"outputs":{"from":"install"}}::'; fi
          - ./deps/bin/tool
`;
    const first = await h.run(flow("PT1H"));
    expect(first.execution.state.current).toBe("SUCCESS");
    expect(((await first.outputs("install")) as { vars: { from: string } }).vars.from).toBe("install");
    const second = await h.run(flow("PT1H"));
    expect(second.execution.state.current).toBe("SUCCESS");
    // the second execution found the first one's files, executable still
    expect(((await second.outputs("install")) as { vars: { from: string } }).vars.from).toBe(`cache:${first.execution.id}`);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await h.run(flow("PT1S"));
    expect(((await expired.outputs("install")) as { vars: { from: string } }).vars.from).toBe("install");
  });

  it("saves no cache after a failure", async () => {
    const flow = `
id: wd_cache_fail
namespace: test.wd
inputs:
  - id: fail
    type: BOOLEAN
tasks:
  - id: wdir
    type: core.WorkingDirectory
    cache:
      patterns: ["*.txt"]
    tasks:
      - id: step
        type: script.Shell
        commands:
          - if [ -f kept.txt ]; then echo '::{"outputs":{"found":true}}::'; else echo '::{"outputs":{"found":false}}::'; fi
          - echo x > kept.txt
          - "{{ inputs.fail ? 'exit 1' : 'true' }}"
`;
    expect((await h.run(flow, { fail: true })).execution.state.current).toBe("FAILED");
    const after = await h.run(flow, { fail: false });
    expect(((await after.outputs("step")) as { vars: { found: boolean } }).vars.found).toBe(false);
    const again = await h.run(flow, { fail: false });
    expect(((await again.outputs("step")) as { vars: { found: boolean } }).vars.found).toBe(true);
  });

  it("retries a failed child as Kestra's executor does: the WorkingDirectory resumes at it, the children before it are not run again", async () => {
    const r = await h.run(`
id: wd_retry
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: before
        type: script.Shell
        commands: ["echo '::{\\"outputs\\":{\\"ran\\":\\"before\\"}}::'"]
      - id: flaky
        type: script.Shell
        retry: { type: constant, interval: PT0.1S, maxAttempt: 3 }
        commands:
          - "{{ taskrun.attemptsCount == 0 ? 'exit 1' : 'true' }}"
          - echo '::{"outputs":{"attempt":{{ taskrun.attemptsCount }}}}::'
      - id: after
        type: core.Return
        format: "{{ outputs.before.vars.ran }} {{ outputs.flaky.vars.attempt }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("before")[0].attempts).toHaveLength(1);
    const flaky = r.runs("flaky");
    expect(flaky).toHaveLength(1);
    expect(flaky[0].state.histories.map((s) => s.state)).toContain("RETRYING");
    expect(flaky[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(r.runs("wdir")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    // the resumed attempt read the outputs of the child that ran before the retry
    expect(await r.outputs("after")).toEqual({ value: "before 1" });
  });

  it("a child's retry wait is durable: a long interval outlives a restart of local mode, and the retry runs once due", async () => {
    const flow = `
id: wd_long_retry
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: flaky
        type: script.Shell
        retry: { type: constant, interval: P30D, maxAttempt: 2 }
        commands: ["{{ taskrun.attemptsCount == 0 ? 'exit 1' : 'true' }}"]
`;
    const first = await createEngineHarness([scriptPlugin]);
    const { id } = await first.executions.create({ flow: await first.deploy(flow) });
    const runOf = async (e: EngineHarness, taskId: string) => (await e.repository.getExecution(id))!.taskRuns.find((t) => t.taskId === taskId);
    await expect.poll(async () => (await runOf(first, "flaky"))?.state.current, { timeout: 10_000 }).toBe("RETRYING");
    await expect.poll(async () => (await runOf(first, "wdir"))?.attempts[0]?.state.current, { timeout: 10_000 }).toBe("FAILED");
    expect((await runOf(first, "wdir"))!.state.current).toBe("RUNNING");
    await first.close(true);
    const again = await createEngineHarness([scriptPlugin], { dir: first.dir });
    try {
      // the restart re-dispatched what was running; the WorkingDirectory still waits for its child's retry
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await runOf(again, "wdir"))!.attempts).toHaveLength(1);
      expect((await runOf(again, "flaky"))!.state.current).toBe("RETRYING");
      // thirty days later (its due date moved to the past), the reconciler's ask starts it
      const found = (await again.repository.getExecution(id))!;
      const flaky = found.taskRuns.find((t) => t.taskId === "flaky")!;
      flaky.attempts[0].retryAt = new Date(Date.now() - 1000).toISOString();
      await again.repository.saveExecution({ ...found.execution, updated: new Date().toISOString() }, [flaky]);
      await again.executor.handle({ type: "stale", executionId: id, runs: [{ taskRunId: flaky.id, attempt: 1 }] });
      await again.waitFor(id, (e) => e.state.current === "SUCCESS");
      expect((await runOf(again, "flaky"))!.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
      expect((await runOf(again, "wdir"))!.attempts).toHaveLength(2);
    } finally {
      await again.close();
    }
  }, 30_000);

  it("a retry that runs out fails the WorkingDirectory after maxAttempt attempts", async () => {
    const r = await h.run(`
id: wd_retry_out
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: broken
        type: script.Shell
        retry: { type: constant, interval: PT0.05S, maxAttempt: 2 }
        commands: ["exit 1"]
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.runs("broken")[0].attempts).toHaveLength(2);
    expect(r.state("wdir")).toBe("FAILED");
  });

  it("a child sees the WorkingDirectory's own taskrun as `workerTaskrun`, its value the loop's (Kestra's RunContextInitializer.forWorkingDirectory, WorkingDirectoryTest.taskrun)", async () => {
    const r = await h.run(`
id: wd_worker_taskrun
namespace: test.wd
tasks:
  - id: each
    type: core.ForEach
    values: ["1"]
    tasks:
      - id: wdir
        type: core.WorkingDirectory
        tasks:
          - { id: show, type: core.Return, format: "{{ workerTaskrun.id }} {{ workerTaskrun.value }} {{ workerTaskrun.attemptsCount }} {{ taskrun.id }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const wdir = r.runs("wdir")[0];
    const show = r.runs("show")[0];
    expect(await r.outputs("show")).toEqual({ value: `${wdir.id} 1 0 ${show.id}` });
  });

  it("runIf: a child whose condition is false is SKIPPED, one that does not render FAILS the WorkingDirectory", async () => {
    const r = await h.run(`
id: wd_run_if
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - { id: first, type: core.Return, format: "no" }
      - { id: skipped, type: script.Shell, runIf: "{{ outputs.first.value == 'yes' }}", commands: ["echo skipped"] }
      - { id: ran, type: script.Shell, runIf: "{{ outputs.first.value == 'no' }}", commands: ["echo ran"] }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("skipped")).toBe("SKIPPED");
    // Kestra's RunIfTest.runIfWorkingDirectory: the skipped child's first attempt is SKIPPED
    expect(r.runs("skipped")[0].attempts.map((a) => a.state.current)).toEqual(["SKIPPED"]);
    expect(r.state("ran")).toBe("SUCCESS");
    const bad = await h.run(`
id: wd_run_if_bad
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - { id: broken, type: script.Shell, runIf: "{{ nothing.here }}", commands: ["echo no"] }
      - { id: never, type: script.Shell, commands: ["echo never"] }
`);
    // Kestra's WorkingDirectoryTest.invalidRunIf: the WorkingDirectory FAILED, no task run for the child whose runIf failed
    expect(bad.execution.state.current).toBe("FAILED");
    expect(bad.state("wdir")).toBe("FAILED");
    expect(bad.runs("broken")).toEqual([]);
    expect(bad.runs("never")).toEqual([]);
    expect(bad.messages().some((m) => m.startsWith("Failed evaluating runIf of 'broken'"))).toBe(true);
  });

  describe("refused at deploy, naming the property", () => {
    const refused = async (body: string) => {
      const error = await h.deploy(`id: wd_bad\nnamespace: test.wd\ntasks:\n  - id: wdir\n    type: core.WorkingDirectory\n${body}`).then(
        () => undefined,
        (e: unknown) => e as Error & { status?: number; errors?: Array<{ path?: string; message: string }> },
      );
      expect(error?.status).toBe(422);
      return (error!.errors ?? []).map((e) => `${e.path}: ${e.message}`).join("\n");
    };
    it("no tasks", async () => expect(await refused("    outputFiles: [a]\n")).toMatch(/tasks\[0\]\.tasks: missing required property 'tasks'/));
    it("an empty tasks list", async () => expect(await refused("    tasks: []\n")).toMatch(/tasks\[0\]\.tasks: 'tasks' must not be empty/));
    it("an unknown property", async () => expect(await refused("    tasks: [{ id: a, type: core.Log, message: x }]\n    folder: x\n")).toMatch(/folder/));
    it("a flowable child", async () =>
      expect(await refused("    tasks:\n      - id: seq\n        type: core.Sequential\n        tasks: [{ id: a, type: core.Log, message: x }]\n")).toMatch(
        /tasks\[0\]\.type.*Only runnable tasks are allowed as children of a WorkingDirectory/s,
      ));
    it("a child's workerGroup", async () => expect(await refused("    tasks:\n      - id: a\n        type: core.Log\n        message: x\n        workerGroup: { key: gpu }\n")).toMatch(/tasks\[0\]\.workerGroup.*only supported at the WorkingDirectory level/s));
    it("a cache without patterns", async () => expect(await refused("    tasks: [{ id: a, type: core.Log, message: x }]\n    cache: { ttl: PT1H }\n")).toMatch(/cache\.patterns/));
    it("namespaceFiles.ifExists other than Kestra's", async () => expect(await refused("    tasks: [{ id: a, type: core.Log, message: x }]\n    namespaceFiles: { ifExists: REPLACE }\n")).toMatch(/namespaceFiles\.ifExists/));
    it("an unknown namespaceFiles property", async () => expect(await refused("    tasks: [{ id: a, type: core.Log, message: x }]\n    namespaceFiles: { folders: true }\n")).toMatch(/namespaceFiles.*folders/s));
  });
});
