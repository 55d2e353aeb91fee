import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { reapOnExit } from "./support/reaper.js";

/*
 * A plugin author's machine: the scaffolds live in the system's temporary folder, outside
 * this workspace, where nothing resolves @ferry/* but what `ferry plugin new` put in their
 * vendor/ folder, and `npm install` reaches the registry (where @ferry/* is not published).
 */
const PLUGINS = {
  task: "@acme/ferry-plugin-slack-notify",
  trigger: "ferry-plugin-office-hours",
  storage: "ferry-storage-box",
  secrets: "ferry-secrets-keyring",
  repository: "ferry-repository-ledger",
  queue: "ferry-queue-relay",
  history: "ferry-history-shelf",
} as const;
const folderOf = (name: string) => name.split("/").pop()!;

let parent: string | undefined;
let ferry: FerryProcess | undefined;
afterAll(async () => {
  await ferry?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

/** `command args` in `cwd` to its end (killed after 240 s): its exit status and output */
function run(command: string, args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = reapOnExit(spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false" } }));
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    });
  });
}

/** `each` over `items`, at most `limit` at a time; rejects with the first failure once all have ended */
async function inPool<T>(items: readonly T[], limit: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++];
      await each(item).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failures.length > 0) throw failures[0];
}

describe("ferry plugin new, in a folder outside this repository", () => {
  it("scaffolds every kind; each installs without @ferry/* on the registry, builds, passes its tests, and runs in a real server from its folder", async () => {
    parent = await mkdtemp(join(tmpdir(), "ferry-plugin-new-"));
    expect(parent.startsWith(REPO_ROOT)).toBe(false);
    // each kind into its own folder: the scaffolds (and below, their builds and tests) are
    // independent, and most of their time is waiting on a process to start, so they overlap
    await inPool(Object.entries(PLUGINS), 3, async ([kind, name]) => {
      const made = await runCli(["plugin", "new", name, "--kind", kind, "--dir", parent!]);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toContain(`created ${join(parent!, folderOf(name))} (${kind})`);
    });

    // one real install (the trigger's: its dependencies are a superset of the others'), shared by the others to keep the test short
    const packageOf = (name: string) => JSON.parse(readFileSync(join(parent!, folderOf(name), "package.json"), "utf8")) as { dependencies: object; devDependencies: object };
    const installed = packageOf(PLUGINS.trigger);
    const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], join(parent, folderOf(PLUGINS.trigger)));
    expect(install.status, install.stdout + install.stderr).toBe(0);
    for (const name of Object.values(PLUGINS).filter((n) => n !== PLUGINS.trigger)) {
      const pkg = packageOf(name);
      expect(installed.dependencies).toMatchObject(pkg.dependencies);
      expect(installed.devDependencies).toEqual(pkg.devDependencies);
      await symlink(join(parent, folderOf(PLUGINS.trigger), "node_modules"), join(parent, folderOf(name), "node_modules"), "dir");
    }
    /** how many tests each template had when written */
    const tests: Record<string, number> = { task: 3, trigger: 2, storage: 10, secrets: 6, repository: 22, queue: 9, history: 17 };
    // two kinds at a time (the builds share the one node_modules, which none of them writes;
    // each writes only its own dist/): one after another, 143 s on a CI run, ~1/2 of it CPU, the
    // rest each tsc and vitest starting; more than two only queues on CI's two cores
    await inPool(Object.entries(PLUGINS), 2, async ([kind, name]) => {
      const dir = join(parent!, folderOf(name));
      const build = await run("npm", ["run", "build"], dir);
      expect(build.status, `${kind}: ${build.stdout}${build.stderr}`).toBe(0);
      // --no-cache: vitest's results cache lives in node_modules/.vite, here the one shared
      // node_modules, and a run reading it while another writes it would parse half a file
      const test = await run("npm", ["test", "--", "--no-cache"], dir);
      expect(test.status, `${kind}: ${test.stdout}${test.stderr}`).toBe(0);
      // at least the template's own cases (a contract suite grows as contracts do), none failed
      expect(Number(/Tests\s+(\d+) passed/.exec(test.stdout)?.[1] ?? 0), test.stdout).toBeGreaterThanOrEqual(tests[kind]);
      expect(test.stdout).not.toMatch(/\d+ failed/);
    });

    await writeFile(
      join(parent, "ferry.yaml"),
      `plugins: ["@ferry/plugin-core", "./${folderOf(PLUGINS.task)}", "./${folderOf(PLUGINS.trigger)}"]
repository: { type: ./${folderOf(PLUGINS.repository)} }
storage: { type: ./${folderOf(PLUGINS.storage)}, maxBytes: 104857600 }
secrets: { type: ./${folderOf(PLUGINS.secrets)}, prefix: KEYRING_ }
queue: { type: ./${folderOf(PLUGINS.queue)} }
`,
    );
    const check = await runCli(["config", "check"], { cwd: parent });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain("@acme/ferry-plugin-slack-notify@0.1.0, ferry-plugin-office-hours@0.1.0");
    expect(check.stdout).toContain("repository ./ferry-repository-ledger, storage ./ferry-storage-box, secrets ./ferry-secrets-keyring, queue ./ferry-queue-relay");
    await writeFile(join(parent, "typo.yaml"), `storage: { type: ./${folderOf(PLUGINS.storage)}, maxbytes: 1 }\n`);
    expect((await runCli(["config", "check", "-c", "typo.yaml"], { cwd: parent })).stderr.trim()).toBe(
      "ferry: invalid configuration at storage.maxbytes: unknown key for storage type 'box' (known: maxBytes)",
    );
    await writeFile(join(parent, "typo.yaml"), `history: { type: ./${folderOf(PLUGINS.history)}, maxexecutions: 1 }\n`);
    expect((await runCli(["config", "check", "-c", "typo.yaml"], { cwd: parent })).stderr.trim()).toBe(
      "ferry: invalid configuration at history.maxexecutions: unknown key for history type 'shelf' (known: maxExecutions)",
    );

    ferry = await startFerryProcess({ cwd: parent, env: { KEYRING_GREETING: "from the keyring" } });
    const deploy = async (source: string) => expect((await fetch(`${ferry!.url}/api/v1/flows`, { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
    await deploy(`id: scaffolded
namespace: it.scaffold
tasks:
  - { id: hello, type: slackNotify.Hello, name: Ferry }
  - id: secret
    type: core.OutputValues
    values: { matches: "{{ secret('GREETING') == 'from the keyring' }}" }
outputs:
  - { id: greeting, type: STRING, value: "{{ outputs.hello.greeting }}" }
`);
    const ended = (await (await fetch(`${ferry.url}/api/v1/executions/it.scaffold/scaffolded?wait=true`, { method: "POST" })).json()) as {
      state: { current: string };
      outputs: unknown;
      taskRunList: Array<{ taskId: string; outputs: { values?: unknown } }>;
    };
    expect(ended.state?.current, JSON.stringify(ended) + ferry.output().slice(-3000)).toBe("SUCCESS");
    expect(ended.outputs).toEqual({ greeting: "Hello Ferry" });
    expect(ended.taskRunList.find((t) => t.taskId === "secret")?.outputs.values).toEqual({ matches: "true" });
    // the embedded SQLite file and local storage were never made: the scaffolded backends held it all
    expect(existsSync(join(parent, ".ferry/ferry.db"))).toBe(false);
    expect(existsSync(join(parent, ".ferry/storage"))).toBe(false);

    await deploy(`id: ticking
namespace: it.scaffold
triggers:
  - { id: every-second, type: officeHours.Workdays, cron: "* * * * * *", skip: [] }
tasks:
  - { id: tick, type: core.Log, message: "tick {{ trigger.date }}" }
`);
    const deadline = Date.now() + 15_000;
    let fired: { total: number; results: Array<{ trigger?: { type: string } }> } = { total: 0, results: [] };
    while (fired.total === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      fired = (await (await fetch(`${ferry.url}/api/v1/executions/search?namespace=it.scaffold&flowId=ticking`)).json()) as typeof fired;
    }
    expect(fired.total).toBeGreaterThan(0);
    expect(fired.results[0].trigger?.type).toBe("officeHours.Workdays");

    // the history scaffold beside the embedded defaults: an exported store is fed from the
    // primary's change feed, which SQLite keeps and the repository scaffold (in memory) leaves out
    await ferry.stop();
    const historyRun = join(parent, "history-run");
    await mkdir(historyRun);
    await writeFile(join(historyRun, "ferry.yaml"), `plugins: ["@ferry/plugin-core"]\nhistory: { type: ../${folderOf(PLUGINS.history)}, maxExecutions: 1000 }\n`);
    const historyCheck = await runCli(["config", "check"], { cwd: historyRun });
    expect(historyCheck.code, historyCheck.stderr).toBe(0);
    expect(historyCheck.stdout).toContain(`history ../${folderOf(PLUGINS.history)}`);
    ferry = await startFerryProcess({ cwd: historyRun });
    await deploy(`id: shelved
namespace: it.scaffold
tasks:
  - { id: say, type: core.Log, message: "shelved {{ execution.id }}" }
`);
    const shelved = (await (await fetch(`${ferry.url}/api/v1/executions/it.scaffold/shelved?wait=true`, { method: "POST" })).json()) as { id: string; state: { current: string } };
    expect(shelved.state.current).toBe("SUCCESS");
    expect(((await (await fetch(`${ferry.url}/api/v1/history`)).json()) as { source: string }).source).toBe("exported");
    // the exporter feeds the store, which answers the full-text log search (the primary has no text index)
    const searchUntil = Date.now() + 30_000;
    let found: { total: number; results: Array<{ message: string; executionId: string }> } = { total: 0, results: [] };
    while (found.total === 0 && Date.now() < searchUntil) {
      await new Promise((r) => setTimeout(r, 250));
      const answer = await fetch(`${ferry.url}/api/v1/logs/search?q=shelved&namespace=it.scaffold`);
      expect(answer.status).toBe(200);
      found = (await answer.json()) as typeof found;
    }
    expect(found.results).toEqual([expect.objectContaining({ executionId: shelved.id, message: `shelved ${shelved.id}` })]);

    // the task plugin documents itself as the in-repository ones do
    const docs = await runCli(["plugin", "docs", "docs", "--plugin", `./${folderOf(PLUGINS.task)}`], { cwd: parent });
    expect(docs.stdout).toContain("wrote 1 pages and README.md");
    const page = await readFile(join(parent, "docs", "slackNotify.Hello.md"), "utf8");
    expect(page).toContain("# slackNotify.Hello");
    expect(page).toMatch(/\| `name` \| string \| {2}\| `"World"` \|/);
    expect(page).toContain("## Example: Greet the flow's input");

    const schema = JSON.parse((await runCli(["flow", "schema"], { cwd: parent })).stdout) as { $defs: { task: { properties: { type: { enum: string[] } } } } };
    expect(schema.$defs.task.properties.type.enum).toEqual(expect.arrayContaining(["slackNotify.Hello", "core.Log", "io.kestra.plugin.core.log.Log"]));

    expect((await runCli(["plugin", "new", PLUGINS.task, "--dir", parent])).stderr).toContain("already exists");
    expect((await runCli(["plugin", "new", "Not A Name"])).stderr).toContain("is not an npm package name");
    expect((await runCli(["plugin", "new", "ferry-plugin-x", "--kind", "widget", "--dir", parent])).stderr).toContain("Allowed choices are task, trigger, storage, secrets, repository, queue, history");
  }, 900_000);
});
