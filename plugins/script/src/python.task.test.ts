import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../../../packages/engine/src/engine.test-support.js";
import scriptPlugin from "./index.js";

/*
 * Kestra's python tasks (plugin-script-python Script, Commands) on the Process task runner, as the
 * blueprints write them (kestra-io/blueprints flows/advanced-scheduling.yaml: python.Commands with
 * `taskRunner: io.kestra.plugin.core.runner.Process`). Real python3 processes on the embedded backends.
 */
let h: EngineHarness;
let cache: string;
let wheel: string;
beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), "ferry-python-deps-test-"));
  process.env.FERRY_PYTHON_DEPENDENCIES_DIR = join(cache, "cache");
  // a real wheel, installed by pip from the disk: no package index is reached
  wheel = join(cache, "greeting-1.0-py3-none-any.whl");
  execFileSync("python3", ["-c", `import zipfile
with zipfile.ZipFile(${JSON.stringify(wheel)}, "w") as z:
    z.writestr("greeting.py", "def hello(who):\\n    return 'hello ' + who\\n")
    z.writestr("greeting-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: greeting\\nVersion: 1.0\\n")
    z.writestr("greeting-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr("greeting-1.0.dist-info/RECORD", "greeting.py,,\\ngreeting-1.0.dist-info/METADATA,,\\ngreeting-1.0.dist-info/WHEEL,,\\ngreeting-1.0.dist-info/RECORD,,\\n")
`]);
  h = await createEngineHarness([scriptPlugin]);
}, 30_000);
afterAll(async () => {
  await h?.close();
  delete process.env.FERRY_PYTHON_DEPENDENCIES_DIR;
  rmSync(cache, { recursive: true, force: true });
});

describe("script.Python (io.kestra.plugin.scripts.python.Script / Commands)", () => {
  it("runs a Script with python3 after its beforeCommands, in its folder, unbuffered (PYTHONUNBUFFERED), stdout and stderr logged, ::outputs:: as vars, files out", async () => {
    const r = await h.run(`
id: python
namespace: test.scripts
inputs:
  - id: marks
    type: JSON
    defaults: [79, 91, 85, 64, 82]
tasks:
  - id: compute
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    outputFiles: ["report.txt"]
    beforeCommands:
      - echo "from beforeCommands" > before.txt
    script: |
      import json, os, sys
      marks = {{ inputs.marks | toJson }}
      print("first line")
      print("to stderr", file=sys.stderr)
      print("last line, before", open("before.txt").read().strip(), "in", "its folder" if os.getcwd() == "{{ workingDir }}" else "elsewhere")
      open("report.txt", "w").write(str(sum(marks)))
      print("::" + json.dumps({"outputs": {"total_marks": sum(marks), "average_marks": sum(marks) / len(marks), "unbuffered": os.environ.get("PYTHONUNBUFFERED")}}) + "::")
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Total Marks: {{ outputs.compute.vars.total_marks }}"
`);
    expect(r.execution.state.current, r.messages().join("\n")).toBe("SUCCESS");
    const out = (await r.outputs("compute")) as { vars: Record<string, unknown>; exitCode: number; outputFiles: Record<string, string> };
    expect(out.vars).toEqual({ total_marks: 401, average_marks: 80.2, unbuffered: "true" });
    expect(out.exitCode).toBe(0);
    expect(Object.keys(out.outputFiles)).toEqual(["report.txt"]);
    const lines = r.messages();
    expect(lines).toContain("to stderr");
    expect(lines.indexOf("first line")).toBeLessThan(lines.indexOf("last line, before from beforeCommands in its folder"));
    expect(lines).toContain("Total Marks: 401");
  });

  it("runs Commands with /bin/sh (the script file a namespace or input file gives), and fails on a Python exception with its traceback in the log", async () => {
    const r = await h.run(`
id: python_commands
namespace: test.scripts
tasks:
  - id: ok
    type: io.kestra.plugin.scripts.python.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    inputFiles:
      main.py: |
        import sys
        print("args:", " ".join(sys.argv[1:]))
    commands:
      - python3 main.py "{{ flow.id }}" US
  - id: ko
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    script: |
      raise ValueError("not a business day")
`);
    expect(r.state("ok")).toBe("SUCCESS");
    expect(r.messages()).toContain("args: python_commands US");
    expect(r.state("ko")).toBe("FAILED");
    expect(r.messages().some((m) => m.includes("ValueError: not a business day"))).toBe(true);
  });

  it("installs dependencies with pip for the script (PYTHONPATH), keeps them for the next run asking for the same (Kestra's dependency cache), or not with dependencyCacheEnabled: false", async () => {
    const flow = (id: string, cached: boolean) => `
id: ${id}
namespace: test.scripts
tasks:
  - id: greet
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    dependencies:
      - ${wheel}
    dependencyCacheEnabled: ${cached}
    script: |
      import greeting, json
      print("::" + json.dumps({"outputs": {"greeting": greeting.hello("{{ flow.id }}")}}) + "::")
  - id: commands
    type: io.kestra.plugin.scripts.python.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    dependencies:
      - ${wheel}
    dependencyCacheEnabled: ${cached}
    commands:
      - python3 -c "import greeting; print(greeting.hello('commands'))"
`;
    const first = await h.run(flow("python_deps", true), {}, 60_000);
    expect(first.execution.state.current, first.messages().join("\n")).toBe("SUCCESS");
    expect(((await first.outputs("greet")) as { vars: unknown }).vars).toEqual({ greeting: "hello python_deps" });
    expect(first.messages()).toContain("hello commands");
    const kept = readdirSync(join(cache, "cache"));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^[0-9a-f]{32}$/);
    const second = await h.run(flow("python_deps_again", true), {}, 60_000);
    expect(second.execution.state.current).toBe("SUCCESS");
    expect(second.messages().some((m) => m.startsWith(`restored python dependencies cache for key: ${kept[0]}`))).toBe(true);
    const uncached = await h.run(flow("python_deps_uncached", false), {}, 60_000);
    expect(((await uncached.outputs("greet")) as { vars: unknown }).vars).toEqual({ greeting: "hello python_deps_uncached" });
    expect(readdirSync(join(cache, "cache"))).toEqual(kept);
  }, 120_000);

  it("fails the task naming the dependencies pip could not install, the script never started", async () => {
    const r = await h.run(`
id: python_deps_missing
namespace: test.scripts
tasks:
  - id: t
    type: io.kestra.plugin.scripts.python.Script
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    dependencies:
      - ${join(cache, "no-such-package-1.0-py3-none-any.whl")}
    script: print("never printed")
`, {}, 60_000);
    expect(r.state("t")).toBe("FAILED");
    expect(r.messages().some((m) => m.includes("cannot install the python dependencies") && m.includes("no-such-package-1.0-py3-none-any.whl: Command failed with code 1 (python3)"))).toBe(true);
    expect(r.messages()).not.toContain("never printed");
    expect(existsSync(join(cache, "cache"))).toBe(true);
  }, 90_000);

  it("refuses at deploy what it would not honour: pythonVersion, a containerImage without a task runner, both script and commands", async () => {
    const refused = (task: string) =>
      expect(h.deploy(`id: refused\nnamespace: test.scripts\ntasks:\n  - id: t\n    type: io.kestra.plugin.scripts.python.Script\n${task}`)).rejects;
    await refused(`    pythonVersion: "3.12"\n    script: print(1)\n`).toThrow(/not supported by Ferry yet: pythonVersion.*\(tasks\[0\]\.pythonVersion, line 6\)/s);
    await refused(`    containerImage: python:3.12-slim\n    script: print(1)\n`).toThrow(/not supported by Ferry yet: containerImage without a task runner/);
    await refused(`    script: print(1)\n    commands: [python3 x.py]\n`).toThrow(/give either script .* or commands/);
  });
});
