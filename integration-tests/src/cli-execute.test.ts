import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { runInPty } from "./support/pty.js";

const FLOWS = {
  hello: `id: hello
namespace: cli.execute
inputs:
  - { id: who, type: STRING, defaults: World }
tasks:
  - { id: say, type: core.Return, format: "Hello {{ inputs.who }}" }
  - { id: log, type: core.Log, message: "{{ outputs.say.value }}" }
outputs:
  - { id: greeting, type: STRING, value: "{{ outputs.say.value }}" }
`,
  // waits, running, until the test creates the gate file: what it shows meanwhile is progress
  gate: `id: gate
namespace: cli.execute
inputs:
  - { id: gate, type: STRING }
tasks:
  - { id: first, type: core.Log, message: first done }
  - id: wait
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo waiting for the gate
      - "while [ ! -f '{{ inputs.gate }}' ]; do sleep 0.05; done"
  - { id: after, type: core.Log, message: through the gate }
`,
  failing: `id: failing
namespace: cli.execute
tasks:
  - { id: ok, type: core.Log, message: fine }
  - { id: boom, type: core.Fail, errorMessage: the boom task broke, retry: { type: constant, interval: PT0.05S, maxAttempt: 2 } }
`,
  tolerated: `id: tolerated
namespace: cli.execute
tasks:
  - { id: shaky, type: core.Fail, allowFailure: true }
`,
  // an SLA assertion that fails at once cancels the execution (Kestra's sla-execution-condition.yaml with CANCEL)
  cancelled: `id: cancelled
namespace: cli.execute
sla:
  - { id: never, type: EXECUTION_ASSERTION, behavior: CANCEL, assert: "{{ false }}" }
tasks:
  - { id: never_runs, type: core.Log, message: no }
`,
};

type Event = { event: string; [key: string]: unknown };
const events = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line) as Event);

describe("ferry execute", () => {
  let ferry: FerryProcess;
  let dir: string;
  beforeAll(async () => {
    ferry = await startFerryProcess();
    dir = await mkdtemp(join(tmpdir(), "ferry-cli-execute-"));
    for (const [name, source] of Object.entries(FLOWS)) await writeFile(join(dir, `${name}.yaml`), source);
    expect((await runCli(["flow", "deploy", dir, "--server", ferry.url])).code).toBe(0);
  });
  afterAll(async () => ferry?.stop());

  it("without --wait prints the new execution's id; --json prints the execution", async () => {
    const r = await runCli(["execute", "cli.execute", "hello", "--server", ferry.url]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^execution [0-9a-f-]{36} of cli\.execute\.hello: CREATED\n$/);
    const json = await runCli(["execute", "cli.execute", "hello", "--json", "--label", "team:data", "--server", ferry.url]);
    expect(JSON.parse(json.stdout)).toMatchObject({ namespace: "cli.execute", flowId: "hello", labels: expect.arrayContaining([{ key: "team", value: "data" }]) });
  }, 120_000);

  it("--wait, piped, prints one JSON object per event: each task run's states with its attempt, the execution's, then the end with the outputs", async () => {
    const r = await runCli(["execute", "cli.execute", "hello", "-i", "who=CLI", "--wait", "--server", ferry.url]);
    expect(r.code).toBe(0);
    const all = events(r.stdout);
    const say = all.filter((e) => e.event === "taskrun" && e.taskId === "say");
    expect(say.map((e) => e.state)).toEqual(["CREATED", "QUEUED", "RUNNING", "SUCCESS"]);
    expect(say.every((e) => e.attempt === 1)).toBe(true);
    expect(say.at(-1)!.durationMs).toBeGreaterThanOrEqual(0);
    const execution = all.filter((e) => e.event === "execution").map((e) => e.state);
    expect(execution[0]).toBe("CREATED");
    expect(execution.at(-1)).toBe("SUCCESS");
    // every task run's end comes before the end event, which is last
    expect(all.at(-1)).toMatchObject({ event: "end", state: "SUCCESS", outputs: { greeting: "Hello CLI" } });
    expect(all.filter((e) => e.event === "log")).toEqual([]); // only with --logs
  }, 120_000);

  it("--logs streams the log lines among the events (and implies --wait)", async () => {
    const r = await runCli(["execute", "cli.execute", "hello", "-i", "who=Logs", "--logs", "--server", ferry.url]);
    expect(r.code).toBe(0);
    const logs = events(r.stdout).filter((e) => e.event === "log");
    expect(logs).toContainEqual(expect.objectContaining({ taskId: "log", level: "INFO", message: "Hello Logs" }));
  }, 120_000);

  it("exits 1 for FAILED, naming each attempt, and 3 for WARNING", async () => {
    const failed = await runCli(["execute", "cli.execute", "failing", "--wait", "--server", ferry.url]);
    expect(failed.code).toBe(1);
    const boom = events(failed.stdout).filter((e) => e.event === "taskrun" && e.taskId === "boom");
    expect(boom.map((e) => `${e.state}@${e.attempt}`)).toEqual(["CREATED@1", "QUEUED@1", "RUNNING@1", "RETRYING@1", "QUEUED@2", "RUNNING@2", "FAILED@2"]);
    expect(events(failed.stdout).at(-1)).toMatchObject({ event: "end", state: "FAILED" });
    const warned = await runCli(["execute", "cli.execute", "tolerated", "--wait", "--server", ferry.url]);
    expect(warned.code).toBe(3);
    expect(events(warned.stdout).at(-1)).toMatchObject({ event: "end", state: "WARNING" });
    // CANCELLED is an end too: the follow stops there, exit 1 (it used to wait for an end that had come)
    const cancelled = await runCli(["execute", "cli.execute", "cancelled", "--wait", "--server", ferry.url]);
    expect(cancelled.code).toBe(1);
    expect(events(cancelled.stdout).at(-1)).toMatchObject({ event: "end", state: "CANCELLED" });
  }, 120_000);

  it("on a terminal, redraws its progress while the execution runs: ended tasks, the running one, log lines; then the outputs", async () => {
    const gate = join(dir, "gate-open");
    const pty = runInPty(["execute", "cli.execute", "gate", "-i", `gate=${gate}`, "--wait", "--logs", "--server", ferry.url], { env: { CI: undefined } });
    // progress before the end: the first task ended, the second running, its log line shown
    await pty.waitFor(/✓ first\s+SUCCESS/);
    await pty.waitFor(/waiting for the gate/);
    await pty.waitFor(/wait\s+RUNNING/);
    await pty.waitFor(/execution [0-9a-f-]{36}\s+RUNNING/);
    expect(pty.child.exitCode).toBeNull();
    expect(pty.raw()).toMatch(/\x1b\[\d*A/); // it moved the cursor up to redraw in place
    await writeFile(gate, "open");
    expect(await pty.exited).toBe(0);
    const text = pty.text();
    expect(text).toMatch(/✓ wait\s+SUCCESS/);
    expect(text).toMatch(/INFO\s+after: through the gate/);
    expect(text).toMatch(/✓ execution [0-9a-f-]{36}\s+SUCCESS\s+in \S+/);
    expect(text).not.toContain('{"event"');
  }, 120_000);

  it("on a terminal in CI, or with --json, prints JSON lines instead of redrawing", async () => {
    const ci = runInPty(["execute", "cli.execute", "hello", "--wait", "--server", ferry.url], { env: { CI: "true" } });
    expect(await ci.exited).toBe(0);
    expect(ci.text()).toContain('{"event":"end","id"');
    expect(ci.raw()).not.toMatch(/\x1b\[\d*A/);
    const json = runInPty(["execute", "cli.execute", "hello", "--wait", "--json", "--server", ferry.url], { env: { CI: undefined } });
    expect(await json.exited).toBe(0);
    expect(json.text()).toContain('"event":"end"');
  }, 120_000);

  it("Ctrl-C stops following with exit 130, and the execution goes on to its end", async () => {
    const gate = join(dir, "gate-after-ctrl-c");
    const pty = runInPty(["execute", "cli.execute", "gate", "-i", `gate=${gate}`, "--wait", "--server", ferry.url], { env: { CI: undefined } });
    await pty.waitFor(/wait\s+RUNNING/);
    const id = /execution ([0-9a-f-]{36}) of cli\.execute\.gate/.exec(pty.text())![1];
    pty.type("\x03");
    expect(await pty.exited).toBe(130);
    expect(pty.text()).toContain(`stopped following; execution ${id} goes on (ferry executions kill ${id} stops it)`);
    await writeFile(gate, "open");
    const followed = await runCli(["executions", "follow", id, "--server", ferry.url]);
    expect(followed.code).toBe(0);
    expect(events(followed.stdout).at(-1)).toMatchObject({ event: "end", state: "SUCCESS" });
  }, 120_000);

  it("--schedule-date creates the execution CREATED with that date, which it starts at; a bad date is the server's 400, exit 1", async () => {
    const at = new Date(Date.now() + 1000);
    const r = await runCli(["execute", "cli.execute", "hello", "--schedule-date", at.toISOString().replace("Z", "+00:00"), "--json", "--server", ferry.url]);
    expect(r.code).toBe(0);
    const created = JSON.parse(r.stdout) as { id: string; scheduleDate: string; state: { current: string } };
    expect(created).toMatchObject({ scheduleDate: at.toISOString(), state: { current: "CREATED" } });
    const followed = await runCli(["executions", "follow", created.id, "--server", ferry.url]);
    expect(events(followed.stdout).at(-1)).toMatchObject({ event: "end", state: "SUCCESS" });
    const execution = (await (await fetch(`${ferry.url}/api/v1/executions/${created.id}`)).json()) as { state: { histories: Array<{ state: string; date: string }> } };
    expect(Date.parse(execution.state.histories.find((h) => h.state === "RUNNING")!.date)).toBeGreaterThanOrEqual(at.getTime());
    const bad = await runCli(["execute", "cli.execute", "hello", "--schedule-date", "soon", "--server", ferry.url]);
    expect(bad).toMatchObject({ code: 1, stdout: "" });
    expect(bad.stderr).toMatch(/HTTP 400: query parameter scheduleDate='soon' is not a date-time with an offset/);
  }, 120_000);

  it("bad input is one line with its exit code: an unknown flow (1), a bad --input (2), an unknown flag (2)", async () => {
    const unknown = await runCli(["execute", "cli.execute", "nope", "--wait", "--server", ferry.url]);
    expect(unknown).toMatchObject({ code: 1, stdout: "", stderr: "ferry: POST /api/v1/executions/cli.execute/nope: HTTP 404: flow cli.execute.nope not found\n" });
    const input = await runCli(["execute", "cli.execute", "hello", "--input", "novalue", "--server", ferry.url]);
    expect(input).toMatchObject({ code: 2, stderr: "ferry: --input 'novalue' is not key=value\n" });
    const flag = await runCli(["execute", "cli.execute", "hello", "--wiat"]);
    expect(flag).toMatchObject({ code: 2, stderr: "ferry: unknown option '--wiat' (Did you mean --wait?) (see 'ferry execute --help')\n" });
  }, 120_000);
});
