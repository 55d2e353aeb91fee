import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../../../packages/engine/src/engine.test-support.js";
import { setNamespaceIsolation, storageKeyOf } from "@ferry/sdk";
import scriptPlugin from "./index.js";

/*
 * Real processes: /bin/sh, node and deno (the npm package's binary), run by the engine's
 * worker on the embedded backends, as local mode runs them.
 */
let h: EngineHarness;
beforeAll(async () => {
  process.env.SECRET_SCRIPT_TOKEN = Buffer.from("do-not-leak").toString("base64");
  process.env.FERRY_SCRIPT_PROBE = "worker-only";
  h = await createEngineHarness([scriptPlugin], { secrets: { MULTI: "first-line-xyz\nsecond-line-abc", TOKEN: "tok-123456" } });
}, 30_000);
afterAll(async () => {
  await h?.close();
  // test files share a process (vitest.config.ts): what this one set, it takes back
  delete process.env.SECRET_SCRIPT_TOKEN;
  delete process.env.FERRY_SCRIPT_PROBE;
});

/** processes whose command line holds the marker, but not the ps itself */
const processesWith = (marker: string) =>
  execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(marker) && !line.includes("ps -eo"));

describe("script.Shell", () => {
  it("runs commands in its folder: log lines, ::outputs:: as vars, files both ways, env without the worker's secrets", async () => {
    const r = await h.run(`
id: shell
namespace: test.scripts
tasks:
  - id: make
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["out/*.txt"]
    inputFiles:
      greeting.txt: "hello from the flow\\n"
    env: { WHO: "{{ flow.id }}" }
    commands:
      - mkdir out && cat greeting.txt > out/first.txt && echo "second" > out/second.txt
      - echo "who=$WHO secret=\${SECRET_SCRIPT_TOKEN:-none} ferry=\${FERRY_SCRIPT_PROBE:-none}"
      - echo "to stderr" >&2
      - echo '::{"outputs":{"count":2,"ok":true}}::'
      - echo '::{"logs":[{"level":"ERROR","message":"reported by the protocol"}]}::'
  - id: use
    type: script.Shell
    inputFiles:
      copied.txt: "{{ outputs.make.outputFiles['out/first.txt'] }}"
    script: |
      cat copied.txt
      echo "count={{ outputs.make.vars.count }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const made = (await r.outputs("make")) as { vars: unknown; exitCode: number; outputFiles: Record<string, string> };
    expect(made.vars).toEqual({ count: 2, ok: true });
    expect(made.exitCode).toBe(0);
    expect(Object.keys(made.outputFiles)).toEqual(["out/first.txt", "out/second.txt"]);
    expect(made.outputFiles["out/first.txt"]).toMatch(/^ferry:\/\/test\/scripts\/shell\/executions\//);
    const logs = r.logs.map((l) => `${l.level} ${l.message}`);
    expect(logs).toContain("INFO who=shell secret=none ferry=none");
    expect(logs).toContain("ERROR to stderr");
    expect(logs).toContain("ERROR reported by the protocol");
    expect(logs.some((l) => l.includes("::{"))).toBe(false);
    expect(logs).toContain("INFO hello from the flow");
    expect(logs).toContain("INFO count=2");
  });

  it("fails on the first failing command with the last stderr lines in the error", async () => {
    const r = await h.run(`
id: failing-shell
namespace: test.scripts
tasks:
  - id: bad
    type: script.Shell
    commands:
      - echo "about to fail" >&2
      - exit 3
      - echo "never printed"
`);
    expect(r.execution.state.current).toBe("FAILED");
    // Kestra's TaskException words, the command, then stderr's last lines
    const error = r.logs.find((l) => l.level === "ERROR" && l.message.startsWith("Command failed with code"))!.message;
    expect(error).toBe("Command failed with code 3 (/bin/sh):\nabout to fail");
    expect(r.messages()).not.toContain("never printed");
    // the script's failure, not the plugin's bug: a UserError, so no stack in the logs
    expect(r.logs.some((l) => l.message.startsWith("unexpected error"))).toBe(false);
  });

  it("logs stderr lines at ERROR, so errorLogs() holds them, and reads Kestra's protocol on stderr too (PluginUtilsService.parseOut)", async () => {
    const r = await h.run(`
id: stderr-errors
namespace: test.scripts
tasks:
  - id: bad
    type: io.kestra.plugin.scripts.shell.Commands
    warningOnStdErr: true
    commands:
      - echo "printed on stdout"
      - echo "ValueError - something broke" >&2
      - echo '::{"outputs":{"from":"stderr"}}::' >&2
      - exit 1
errors:
  - id: alert
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs() | jq('map(.message)') | first | join(' | ') }}"
`);
    expect(r.execution.state.current).toBe("FAILED");
    const logs = r.logs.filter((l) => l.taskId === "bad").map((l) => `${l.level} ${l.message}`);
    expect(logs).toContain("INFO printed on stdout");
    expect(logs).toContain("ERROR ValueError - something broke");
    expect(logs.some((l) => l.includes("::{"))).toBe(false);
    expect(((await r.outputs("alert")) as { value: string }).value).toContain("ValueError - something broke");
  });

  it("ends SUCCESS after stderr lines with warningOnStdErr: true, which Kestra deprecated and ignores since 0.23", async () => {
    const r = await h.run(`
id: stderr-success
namespace: test.scripts
tasks:
  - { id: noisy, type: script.Shell, warningOnStdErr: true, commands: ['echo "loud" >&2'] }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.logs.map((l) => `${l.level} ${l.message}`)).toContain("ERROR loud");
  });

  it("an interpreter this worker does not have fails the task naming it, as the task's to fix (no stack)", async () => {
    const r = await h.run(`
id: no-interpreter
namespace: test.scripts
tasks:
  - { id: bad, type: script.Shell, interpreter: [/opt/nowhere/zsh, -c], commands: [echo hi] }
`);
    expect(r.execution.state.current).toBe("FAILED");
    // the supervisor the command runs under says so on stderr (an ERROR line), as a command exiting 127
    expect(r.logs.filter((l) => l.level === "ERROR").map((l) => l.message)).toEqual([
      "cannot start /opt/nowhere/zsh: not found",
      "Command failed with code 127 (/opt/nowhere/zsh):\ncannot start /opt/nowhere/zsh: not found",
    ]);
    expect(r.logs.some((l) => l.message.startsWith("unexpected error"))).toBe(false);
  });

  it("is killed at its timeout with its whole process group: nothing is left running", async () => {
    const marker = `98${Date.now() % 100000}.5`;
    const r = await h.run(`
id: forever
namespace: test.scripts
tasks:
  - id: sleeper
    type: script.Shell
    timeout: PT1S
    commands:
      - sleep ${marker} &
      - sleep ${marker}
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toContain("Timeout after 00:00:01.000");
    const deadline = Date.now() + 5000;
    while (processesWith(`sleep ${marker}`).length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
  });

  it("is ended with its process group when the execution is killed, and its working folder is removed", async () => {
    const marker = `97${Date.now() % 100000}.5`;
    const flow = await h.deploy(`
id: killed
namespace: test.scripts
tasks:
  - id: sleeper
    type: script.Shell
    commands:
      - pwd
      - sleep ${marker}
`);
    const execution = await h.executions.create({ flow });
    let folder: string | undefined;
    for (const until = Date.now() + 10_000; !folder && Date.now() < until; await new Promise((res) => setTimeout(res, 50))) {
      folder = (await h.repository.findLogs(execution.id)).find((l) => l.message.includes("ferry-task-"))?.message;
    }
    expect(folder).toBeDefined();
    expect(processesWith(`sleep ${marker}`).length).toBeGreaterThan(0);
    await h.executor.handle({ type: "kill", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "KILLED");
    const deadline = Date.now() + 5000;
    while ((processesWith(`sleep ${marker}`).length || existsSync(folder!)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
    expect(existsSync(folder!)).toBe(false);
  });

  it("keeps the worker responsive and the logs complete when a script prints 100,000 lines", async () => {
    const flow = await h.deploy(`
id: chatty
namespace: test.scripts
tasks:
  - id: print
    type: script.Shell
    commands:
      - seq 1 100000
`);
    const started = Date.now();
    const chatty = await h.executions.create({ flow });
    const quick = await h.run(`
id: quick
namespace: test.scripts
tasks:
  - { id: hi, type: core.Log, message: still responsive }
`);
    expect(quick.execution.state.current).toBe("SUCCESS");
    await h.waitFor(chatty.id, (e) => e.state.current === "SUCCESS", 60_000);
    let count = 0;
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((res) => setTimeout(res, 200))) {
      count = (await h.repository.findLogs(chatty.id)).length;
      if (count >= 100_000) break;
    }
    const logs = await h.repository.findLogs(chatty.id);
    expect(logs.length).toBe(100_000);
    expect(logs[0].message).toBe("1");
    expect(logs[99_999].message).toBe("100000");
    expect(Date.now() - started).toBeGreaterThan(0);
  }, 120_000);
});

describe("{{ workingDir }} in a script task's commands", () => {
  // Kestra's io.kestra.plugin.core.runner.Process @Example "Pass input files to the task, execute a Shell command, then
  // retrieve output files": `cp {{workingDir}}/data.txt {{workingDir}}/out.txt`; the task runner adds workingDir to what
  // the commands see (Process.runnerAdditionalVars), outside a WorkingDirectory too
  it("is the task's own folder, for Commands, beforeCommands, a Script and a Node script; outside a script task it stays undefined", async () => {
    const r = await h.run(`
id: workingdir
namespace: test.scripts
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    inputFiles:
      data.txt: "from input files"
    outputFiles:
      - out.txt
    beforeCommands:
      - test "{{ workingDir }}" = "$PWD"
    commands:
      - cp {{workingDir}}/data.txt {{workingDir}}/out.txt
  - id: script
    type: io.kestra.plugin.scripts.shell.Script
    script: |
      test "{{ workingDir }}" = "$PWD" && echo "script in its folder"
  - id: node
    type: io.kestra.plugin.scripts.node.Script
    script: |
      console.log(process.cwd() === "{{ workingDir }}" ? "node in its folder" : "node elsewhere");
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ workingDir }}"
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("shell")).toBe("SUCCESS");
    const shell = (await r.outputs("shell")) as { outputFiles: Record<string, string> };
    expect(new TextDecoder().decode((await h.storage.get(storageKeyOf(shell.outputFiles["out.txt"]!)))!)).toBe("from input files");
    expect(r.messages()).toEqual(expect.arrayContaining(["script in its folder", "node in its folder"]));
    // Kestra's RunContext has no workingDir for other tasks: the Log's expression names the unknown variable
    expect(r.state("log")).toBe("FAILED");
  });
});

describe("a storage URI in a script task's commands", () => {
  // Kestra's ScriptService.replaceInternalStorage: every kestra:// URI in the rendered commands (and a Script's script) is
  // downloaded to a local file and replaced by its path — the docs' ForEachItem subflow runs `cat "{{ inputs.items }}"`
  it("is replaced by the path of a local copy of the file, for Commands, beforeCommands, a Script and a Node script, under either scheme", async () => {
    const r = await h.run(`
id: storage_in_commands
namespace: test.scripts
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "line one"
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    beforeCommands:
      - test -f "{{ outputs.write.uri }}"
    commands:
      - cat "{{ outputs.write.uri }}"
      - 'cat {{ outputs.write.uri | replace({"ferry://": "kestra:///"}) }} > copy.txt'
    outputFiles:
      - "*.txt"
  - id: script
    type: io.kestra.plugin.scripts.shell.Script
    script: |
      echo "script read: $(cat '{{ outputs.write.uri }}')"
  - id: node
    type: io.kestra.plugin.scripts.node.Script
    script: |
      console.log("node read: " + require("fs").readFileSync("{{ outputs.write.uri }}", "utf8"));
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toEqual(expect.arrayContaining(["line one", "script read: line one", "node read: line one"]));
    // the copies are Ferry's own files: only what the command wrote is an output file
    const shell = (await r.outputs("shell")) as { outputFiles: Record<string, string> };
    expect(Object.keys(shell.outputFiles)).toEqual(["copy.txt"]);
    expect(new TextDecoder().decode((await h.storage.get(storageKeyOf(shell.outputFiles["copy.txt"]!)))!)).toBe("line one");
  });

  it("reaches a subflow's output file from the parent, and the parent's batch from a ForEachItem subflow (the docs' subflows and ForEachItem pages); another namespace's as Kestra's open-source edition, not with namespaces.isolation: tree", async () => {
    await h.deploy(`
id: critical_service
namespace: test.scripts
inputs:
  - id: items
    type: FILE
    required: false
tasks:
  - id: return_data
    type: io.kestra.plugin.core.storage.Write
    content: "totals"
  - id: batch
    type: io.kestra.plugin.scripts.shell.Commands
    runIf: "{{ inputs.items != null }}"
    commands:
      - cat "{{ inputs.items }}"
outputs:
  - id: some_output
    type: STRING
    value: "{{ outputs.return_data.uri }}"
`);
    const r = await h.run(`
id: parent_service
namespace: test.scripts
tasks:
  - id: subflow_call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.scripts
    flowId: critical_service
    wait: true
    transmitFailed: true
  - id: log_subflow_output
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - cat "{{ outputs.subflow_call.outputs.some_output }}"
  - id: lines
    type: io.kestra.plugin.core.storage.Write
    content: "batch line"
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ outputs.lines.uri }}"
    namespace: test.scripts
    flowId: critical_service
    inputs:
      items: "{{ taskrun.items }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain("totals");
    const otherNamespace = `
id: other_namespace
namespace: test.elsewhere
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - cat "${(await r.outputs("lines") as { uri: string }).uri}"
`;
    const other = await h.run(otherNamespace);
    expect(other.state("shell")).toBe("SUCCESS");
    expect(other.messages()).toContain("batch line");
    const before = setNamespaceIsolation("tree");
    try {
      const isolated = await h.run(otherNamespace);
      expect(isolated.state("shell")).toBe("FAILED");
      expect(isolated.messages().join("\n")).toMatch(/is not this execution's, nor a namespace file or task file of a namespace this flow may reach/);
    } finally {
      setNamespaceIsolation(before);
    }
  });

  it("fails the task when the file is not there, naming the URI", async () => {
    const r = await h.run(`
id: storage_missing
namespace: test.scripts
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - cat kestra:///test/scripts/storage_missing/nothing.txt
`);
    expect(r.state("shell")).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/nothing\.txt/);
  });
});

describe("secrets given to a script", () => {
  it("are masked in what it prints: whole, JSON-escaped, or split across lines", async () => {
    const r = await h.run(`
id: leaky
namespace: test.scripts
tasks:
  - id: shell
    type: script.Shell
    env: { TOKEN: "{{ secret('TOKEN') }}", MULTI: "{{ secret('MULTI') }}" }
    commands:
      - echo "token=$TOKEN"
      - printf '%s\\n' "$MULTI"
      - echo "to stderr $TOKEN" >&2
  - id: node
    type: script.Node
    env: { MULTI: "{{ secret('MULTI') }}" }
    script: |
      console.log(JSON.stringify({ multi: process.env.MULTI }));
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const text = r.messages().join("\n");
    for (const leak of ["tok-123456", "first-line-xyz", "second-line-abc"]) expect(text).not.toContain(leak);
    expect(r.messages()).toEqual(expect.arrayContaining(["token=******", "******", "to stderr ******", '{"multi":"******"}']));
  });
});

describe("script.Node", () => {
  it("runs CommonJS or ES module code; ::outputs:: become vars", async () => {
    const r = await h.run(`
id: node
namespace: test.scripts
tasks:
  - id: cjs
    type: io.kestra.plugin.scripts.node.Script
    script: |
      const os = require("node:os");
      console.log("::" + JSON.stringify({ outputs: { sum: [1, 2, 3].reduce((a, b) => a + b, 0), eol: os.EOL === "\\n" } }) + "::");
  - id: esm
    type: script.Node
    script: |
      import { createHash } from "node:crypto";
      console.log(createHash("sha256").update("ferry").digest("hex").slice(0, 8));
      console.log("secret: " + (process.env.SECRET_SCRIPT_TOKEN ?? "absent"));
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(((await r.outputs("cjs")) as { vars: unknown }).vars).toEqual({ sum: 6, eol: true });
    expect(r.messages()).toContain("secret: absent");
  });
});

describe("script.Node beforeCommands", () => {
  // Kestra's WorkingDirectory @Example "A working directory with a cache of the node_modules directory": a node Script
  // whose beforeCommands (`npm install colors`) run first, in the same folder
  it("runs them first in its folder, the first failing one failing the task before the script", async () => {
    const r = await h.run(`
id: node_before
namespace: test.scripts
tasks:
  - id: ok
    type: io.kestra.plugin.scripts.node.Script
    beforeCommands:
      - mkdir -p node_modules/greeting
      - echo 'module.exports = "greetings from {{ flow.id }}";' > node_modules/greeting/index.js
    script: |
      console.log(require("greeting") + " in " + (process.cwd() === "{{ workingDir }}" ? "its folder" : "elsewhere"));
  - id: ko
    type: io.kestra.plugin.scripts.node.Script
    beforeCommands:
      - "false"
    script: |
      console.log("never printed");
`);
    expect(r.state("ok"), r.messages().join("\n")).toBe("SUCCESS");
    expect(r.messages()).toContain("greetings from node_before in its folder");
    expect(r.state("ko")).toBe("FAILED");
    expect(r.messages()).not.toContain("never printed");
  });
});

describe("script.Deno", () => {
  it("calls the default export with the rendered inputs; what it returns is the task's outputs", async () => {
    const r = await h.run(`
id: deno
namespace: test.scripts
tasks:
  - id: fibo
    type: script.Deno
    inputs: { n: 10, who: "{{ flow.id }}" }
    outputFiles: ["*.json"]
    script: |
      export default async function main({ n, who }: { n: number; who: string }) {
        const fib = (k: number): number => (k < 2 ? k : fib(k - 1) + fib(k - 2));
        await Deno.writeTextFile("report.json", JSON.stringify({ n }));
        console.log("computing for " + who);
        return { result: fib(n), who };
      }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const outputs = (await r.outputs("fibo")) as { result: number; who: string; outputFiles: Record<string, string> };
    expect(outputs).toMatchObject({ result: 55, who: "deno" });
    expect(Object.keys(outputs.outputFiles)).toEqual(["report.json"]);
    expect(r.messages()).toContain("computing for deno");
  }, 60_000);

  it.each([
    ["reads /etc/passwd", `await Deno.readTextFile("/etc/passwd")`, /NotCapable: Requires read access to "\/etc\/passwd"/],
    ["reads a SECRET_ variable", `Deno.env.get("SECRET_SCRIPT_TOKEN")`, /NotCapable: Requires env access to "SECRET_SCRIPT_TOKEN"/],
    ["reads a FERRY_ variable", `Deno.env.get("FERRY_SCRIPT_PROBE")`, /NotCapable: Requires env access to "FERRY_SCRIPT_PROBE"/],
    ["connects to a host not allowed", `await fetch("http://127.0.0.1:4567/")`, /NotCapable: Requires net access to "127.0.0.1:4567"/],
  ])("fails with Deno's permission error when it %s", async (_what, statement, error) => {
    const r = await h.run(`
id: sandboxed
namespace: test.scripts
tasks:
  - id: try
    type: script.Deno
    script: |
      export default async function main() {
        ${statement};
        return { escaped: true };
      }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(error);
  }, 60_000);

  it("lets through what allowEnv names", async () => {
    const r = await h.run(`
id: allowed
namespace: test.scripts
tasks:
  - id: env
    type: script.Deno
    env: { GREETING: hello }
    allowEnv: [GREETING]
    script: |
      export default () => ({ greeting: Deno.env.get("GREETING") });
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("env")).toEqual({ greeting: "hello" });
  }, 60_000);
});

describe("containerImage", () => {
  // Kestra's TaskRunner docs: the image is "only used if the task runner is container-based"; its Process runner
  // (io.kestra.plugin.core.runner.Process) runs the commands on the host and never reads it. Without a taskRunner
  // Kestra's default is Docker, and the image a request for a container Ferry does not have.
  it("beside an explicit Process runner: runs on the host, saying in a WARN line that the image is not used", async () => {
    const r = await h.run(`
id: image_with_process
namespace: test.scripts
tasks:
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    containerImage: ubuntu:22.04
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - echo on the host
  - id: node
    type: io.kestra.plugin.scripts.node.Script
    containerImage: "node:{{ 20 + 2 }}-slim"
    taskRunner:
      type: io.kestra.plugin.scripts.runner.Process
    script: console.log("node on the host")
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toEqual(expect.arrayContaining(["on the host", "node on the host"]));
    const warnings = r.logs.filter((l) => l.level === "WARN").map((l) => `${l.taskId}: ${l.message}`);
    expect(warnings).toEqual([
      "shell: containerImage 'ubuntu:22.04' is not used: the Process task runner runs the script on the worker's host",
      "node: containerImage 'node:22-slim' is not used: the Process task runner runs the script on the worker's host",
    ]);
  });

  it("without a task runner (Kestra's default is Docker): refused at deploy, at the image's path, naming the way out", async () => {
    for (const type of ["io.kestra.plugin.scripts.shell.Script", "io.kestra.plugin.scripts.node.Script", "script.Deno"]) {
      const source = `id: image_alone\nnamespace: test.scripts\ntasks:\n  - id: s\n    type: ${type}\n    containerImage: ubuntu\n    script: echo\n`;
      await expect(h.deploy(source), type).rejects.toThrow(/not supported by Ferry yet: containerImage without a task runner.*io\.kestra\.plugin\.core\.runner\.Process.*\(tasks\[0\]\.containerImage, line 6\)/s);
    }
  });
});
