import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const NS = "cli.executions";
const FLOWS = {
  hello: `id: hello
namespace: ${NS}
tasks:
  - { id: say, type: core.Return, format: "hi" }
  - { id: log, type: core.Log, message: "said {{ outputs.say.value }}" }
  - { id: debug, type: core.Log, level: DEBUG, message: "a detail" }
`,
  // fails until the file named by its input exists: restart it after creating the file
  flaky: `id: flaky
namespace: ${NS}
inputs:
  - { id: needs, type: STRING }
tasks:
  - { id: check, type: io.kestra.plugin.scripts.shell.Commands, commands: ["echo checking", "test -f '{{ inputs.needs }}'"] }
`,
  sleepy: `id: sleepy
namespace: ${NS}.child
tasks:
  - { id: nap, type: core.Sleep, duration: PT1M }
`,
};

type Execution = { id: string; namespace: string; flowId: string; state: { current: string }; labels: Array<{ key: string; value: string }>; taskRunList: Array<{ taskId: string; state: { current: string } }> };
const lastEvent = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!) as { event: string; state: string };

// each test runs the CLI a dozen times, a process start each: minutes on a busy machine
describe("ferry executions and ferry flow, against a real server", () => {
  let ferry: FerryProcess;
  let dir: string;
  let s: string[];
  const start = async (flow: string, ...args: string[]) => JSON.parse((await runCli(["execute", NS, flow, "--json", ...args, ...s])).stdout) as Execution;
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    dir = await mkdtemp(join(tmpdir(), "ferry-cli-executions-"));
    for (const [name, source] of Object.entries(FLOWS)) await writeFile(join(dir, `${name}.yaml`), source);
    expect((await runCli(["flow", "deploy", dir, ...s])).code).toBe(0);
  });
  afterAll(async () => ferry?.stop());

  it("executions list filters by namespace, flow, state, labels and start; --json answers {results, total}; a table otherwise", async () => {
    for (const team of ["a", "b"]) {
      const started = await fetch(`${ferry.url}/api/v1/executions/${NS}/hello?wait=true&labels=team:${team}`, { method: "POST" });
      expect(((await started.json()) as Execution).state.current).toBe("SUCCESS");
    }
    const list = async (...args: string[]) => JSON.parse((await runCli(["executions", "list", "--json", ...args, ...s])).stdout) as { results: Execution[]; total: number };
    const byLabel = await list("--namespace", NS, "--label", "team:a");
    expect(byLabel.total).toBe(1);
    expect(byLabel.results[0]).toMatchObject({ flowId: "hello", labels: expect.arrayContaining([{ key: "team", value: "a" }]), state: { current: "SUCCESS" } });
    expect((await list("--flow", "hello", "--state", "SUCCESS")).total).toBe(2);
    expect((await list("--flow", "hello", "--state", "FAILED,KILLED")).total).toBe(0);
    expect((await list("--namespace", NS, "--since", "1h")).total).toBeGreaterThanOrEqual(2);
    expect((await list("--namespace", NS, "--since", "2099-01-01")).total).toBe(0);
    const limited = await list("--namespace", NS, "--limit", "1");
    expect(limited.results).toHaveLength(1);

    const table = await runCli(["executions", "list", "--flow", "hello", ...s]);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+FLOW\s+STATE\s+STARTED\s+DURATION\s+LABELS$/);
    expect(lines.slice(1)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^[0-9a-f-]{36}\\s+${NS}\\.hello\\s+SUCCESS\\s+\\S+\\s+\\S+\\s+team:[ab]$`))]));
    const none = await runCli(["executions", "list", "--namespace", "nothing.here", ...s]);
    expect(none.stdout).toBe("no executions\n");
  }, 180_000);

  it("executions get shows the state, task runs and outputs; --json the API's execution; logs prints the lines, filtered", async () => {
    const e = await start("hello");
    expect((await runCli(["executions", "follow", e.id, ...s])).code).toBe(0);
    const got = JSON.parse((await runCli(["executions", "get", e.id, "--json", ...s])).stdout) as Execution;
    expect(got).toMatchObject({ id: e.id, state: { current: "SUCCESS" } });
    expect(got.taskRunList.map((r) => r.taskId)).toEqual(["say", "log", "debug"]);
    const human = await runCli(["executions", "get", e.id, ...s]);
    expect(human.stdout).toContain(`execution ${e.id}`);
    expect(human.stdout).toMatch(/state\s+SUCCESS/);
    expect(human.stdout).toMatch(/^say\s+SUCCESS\s+1\s+\S+\s+\{"value":"hi"\}$/m);

    const logs = await runCli(["executions", "logs", e.id, ...s]);
    expect(logs.stdout).toMatch(/^\S+ INFO\s+log: said hi$/m);
    expect(logs.stdout).toMatch(/DEBUG debug: a detail/);
    const infoUp = await runCli(["executions", "logs", e.id, "--level", "info", "--json", ...s]);
    const entries = infoUp.stdout.trim().split("\n").map((l) => JSON.parse(l) as { taskId: string; level: string });
    expect(entries.every((l) => l.level !== "DEBUG")).toBe(true);
    expect(entries).toContainEqual(expect.objectContaining({ taskId: "log", level: "INFO" }));
    const oneTask = await runCli(["executions", "logs", e.id, "--task", "debug", ...s]);
    expect(oneTask.stdout.trim().split("\n")).toHaveLength(1);
  }, 180_000);

  it("executions kill stops a running execution (KILLED, exit 1 when followed); killing it again is 409, one line", async () => {
    const started = JSON.parse((await runCli(["execute", `${NS}.child`, "sleepy", "--json", ...s])).stdout) as Execution;
    const killed = await runCli(["executions", "kill", started.id, ...s]);
    expect(killed).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^execution ${started.id}: kill requested \\((KILLING|KILLED|RUNNING|CREATED)\\)\\n$`)) });
    const other = JSON.parse((await runCli(["execute", `${NS}.child`, "sleepy", "--json", ...s])).stdout) as Execution;
    const killedJson = JSON.parse((await runCli(["executions", "kill", other.id, "--json", ...s])).stdout) as Execution;
    expect(killedJson).toMatchObject({ id: other.id, flowId: "sleepy" });
    expect((await runCli(["executions", "follow", other.id, ...s])).code).toBe(1); // ended KILLED, so a purge below counts it for sure
    const followed = await runCli(["executions", "follow", started.id, ...s]);
    expect(followed.code).toBe(1);
    expect(lastEvent(followed.stdout)).toMatchObject({ event: "end", state: "KILLED" });
    const again = await runCli(["executions", "kill", started.id, ...s]);
    expect(again).toMatchObject({ code: 1, stderr: `ferry: DELETE /api/v1/executions/${started.id}/kill: HTTP 409: execution ${started.id} already ended KILLED\n` });
    // namespace children: the parent's listing holds the child namespace's execution
    const listed = JSON.parse((await runCli(["executions", "list", "--namespace", NS, "--state", "KILLED", "--json", ...s])).stdout) as { results: Execution[] };
    expect(listed.results.map((r) => r.id)).toContain(started.id);
  }, 180_000);

  it("executions restart --wait re-runs a failed execution and follows it to SUCCESS; restarting a successful one is refused", async () => {
    const needs = join(dir, "needed-file");
    const failed = await runCli(["execute", NS, "flaky", "-i", `needs=${needs}`, "--wait", ...s]);
    expect(failed.code).toBe(1);
    const id = (lastEvent(failed.stdout) as unknown as { id: string }).id;
    // without --wait: the restarted execution as the API answers it; it fails again, the file is still missing
    const again = JSON.parse((await runCli(["executions", "restart", id, "--json", ...s])).stdout) as Execution;
    expect(again.id).toBe(id);
    expect(again.state.current).not.toBe("FAILED");
    expect((await runCli(["executions", "follow", id, ...s])).code).toBe(1);
    await writeFile(needs, "here");
    const restarted = await runCli(["executions", "restart", id, "--wait", "--logs", ...s]);
    expect(restarted.code).toBe(0);
    const events = restarted.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; state: string; taskId?: string; message?: string; timestamp?: string });
    // only what happened after the restart: the check task runs again and succeeds, its one new log line
    expect(events.filter((e) => e.event === "taskrun" && e.taskId === "check").map((e) => e.state)).toContain("SUCCESS");
    expect(events.filter((e) => e.event === "taskrun").map((e) => e.state)).not.toContain("FAILED");
    expect(events.filter((e) => e.event === "log" && e.message === "checking")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ event: "end", state: "SUCCESS" });
    const refused = await runCli(["executions", "restart", id, ...s]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^ferry: POST /api/v1/executions/${id}/restart: HTTP 409: .+\\n$`));
  }, 180_000);

  it("executions restart --revision restarts on that flow revision as a new execution (Kestra's restart with a revision), answered RESTARTED", async () => {
    const failed = await runCli(["execute", NS, "flaky", "-i", `needs=${join(dir, "never-there")}`, "--wait", ...s]);
    expect(failed.code).toBe(1);
    const id = (lastEvent(failed.stdout) as unknown as { id: string }).id;
    const unknown = await runCli(["executions", "restart", id, "--revision", "99", ...s]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/HTTP 404: flow .+ has no revision 99/);
    expect((await runCli(["executions", "restart", id, "--revision", "two", ...s])).code).not.toBe(0);
    const copy = JSON.parse((await runCli(["executions", "restart", id, "--revision", "1", "--json", ...s])).stdout) as Execution & { parentId: string; flowRevision: number };
    expect(copy.id).not.toBe(id);
    expect(copy).toMatchObject({ parentId: id, flowRevision: 1, state: { current: "RESTARTED" } });
    expect((await runCli(["executions", "follow", copy.id, ...s])).code).toBe(1); // the file is still missing
  }, 180_000);

  it("executions purge takes only what its filters select: flow, label, state", async () => {
    const purge = async (...args: string[]) => {
      const r = await runCli(["executions", "purge", "--before", "0s", ...args, ...s]);
      expect(r.code).toBe(0);
      return Number(/^purged (\d+) executions/.exec(r.stdout)![1]);
    };
    // counted through the API: the CLI under test here is purge
    const total = async (query: string) => ((await (await fetch(`${ferry.url}/api/v1/executions/search?${query}`)).json()) as { total: number }).total;
    expect(await total("flowId=hello&labels=team:b")).toBe(1);
    expect(await purge("--flow", "hello", "--label", "team:a")).toBe(1);
    expect(await total("flowId=hello&labels=team:a")).toBe(0);
    expect(await total("flowId=hello&labels=team:b")).toBe(1);
    const killed = await total(`namespace=${NS}&state=KILLED`);
    expect(killed).toBeGreaterThanOrEqual(2);
    expect(await purge("--namespace", NS, "--state", "KILLED")).toBe(killed);
    expect(await total(`namespace=${NS}&state=KILLED`)).toBe(0);
    expect(await total("flowId=hello")).toBeGreaterThan(0);
  }, 180_000);

  it("an unknown execution id is one line and exit 1, for every command that takes one", async () => {
    for (const command of ["get", "logs", "follow", "kill", "restart"]) {
      const r = await runCli(["executions", command, "01234567-89ab-7def-8123-456789abcdef", ...s]);
      expect(r, command).toMatchObject({ code: 1, stdout: "" });
      expect(r.stderr, command).toMatch(/^ferry: \S+ \/api\/v1\/(executions|logs)\/01234567-89ab-7def-8123-456789abcdef\S*: HTTP 404: execution 01234567-89ab-7def-8123-456789abcdef not found\n$/);
    }
  }, 180_000);

  it("flow list, get, history and delete", async () => {
    const listed = JSON.parse((await runCli(["flow", "list", "--namespace", NS, "--json", ...s])).stdout) as { results: Array<{ id: string; namespace: string }>; total: number };
    expect(listed.results.map((f) => `${f.namespace}.${f.id}`).sort()).toEqual([`${NS}.child.sleepy`, `${NS}.flaky`, `${NS}.hello`]);
    const limited = await runCli(["flow", "list", "--namespace", NS, "--limit", "1", ...s]);
    expect(limited.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^FLOW/), expect.stringMatching(new RegExp(`^${NS}\\.`)), "1 of 3 (--limit for more)"]);
    const table = await runCli(["flow", "list", "-q", "hello", ...s]);
    expect(table.stdout).toMatch(new RegExp(`^FLOW\\s+REVISION\\s+TASKS\\s+TRIGGERS\\s+UPDATED\\n${NS}\\.hello\\s+1\\s+3\\s+0\\s+\\S+\\n$`));

    expect((await runCli(["flow", "get", NS, "hello", ...s])).stdout).toBe(FLOWS.hello);
    await writeFile(join(dir, "hello.yaml"), FLOWS.hello.replace('format: "hi"', 'format: "hello"'));
    expect((await runCli(["flow", "deploy", dir, ...s])).stdout).toContain("1 updated");
    const history = JSON.parse((await runCli(["flow", "history", NS, "hello", "--json", ...s])).stdout) as Array<{ revision: number; source: string }>;
    expect(history.map((r) => r.revision)).toEqual([1, 2]);
    expect((await runCli(["flow", "history", NS, "hello", ...s])).stdout).toMatch(/^REVISION\s+UPDATED\s+LINES\n1\s+\S+\s+6\n2\s+\S+\s+6\n$/);
    expect((await runCli(["flow", "get", NS, "hello", "--revision", "1", ...s])).stdout).toBe(FLOWS.hello);
    expect(JSON.parse((await runCli(["flow", "get", NS, "hello", "--json", ...s])).stdout)).toMatchObject({ id: "hello", revision: 2, tasks: [{ id: "say", format: "hello" }, {}, {}] });

    expect(await runCli(["flow", "delete", NS, "flaky", ...s])).toMatchObject({ code: 0, stdout: `flow ${NS}.flaky deleted\n` });
    expect(await runCli(["flow", "get", NS, "flaky", ...s])).toMatchObject({ code: 1, stderr: `ferry: GET /api/v1/flows/${NS}/flaky: HTTP 404: flow ${NS}.flaky not found\n` });
    expect(await runCli(["flow", "delete", NS, "flaky", ...s])).toMatchObject({ code: 1 });
    expect((await runCli(["flow", "get", NS, "hello", "--revision", "zero", ...s])).code).toBe(2);
  }, 180_000);
});
