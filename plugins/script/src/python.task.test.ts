import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../../../packages/engine/src/engine.test-support.js";
import scriptPlugin from "./index.js";

/*
 * Kestra's python tasks (plugin-script-python Script, Commands) on the Process task runner, as the
 * blueprints write them (kestra-io/blueprints flows/advanced-scheduling.yaml: python.Commands with
 * `taskRunner: io.kestra.plugin.core.runner.Process`). Real python3 processes on the embedded backends.
 */
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness([scriptPlugin]);
}, 30_000);
afterAll(async () => {
  await h?.close();
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

  it("refuses at deploy what it would not honour: dependencies (installed by Kestra with uv), pythonVersion, a containerImage without a task runner, both script and commands", async () => {
    const refused = (task: string) =>
      expect(h.deploy(`id: refused\nnamespace: test.scripts\ntasks:\n  - id: t\n    type: io.kestra.plugin.scripts.python.Script\n${task}`)).rejects;
    await refused(`    dependencies: [workalendar]\n    script: print(1)\n`).toThrow(/not supported by Ferry yet: dependencies \(Ferry installs no packages for a script; install them in beforeCommands.*\(tasks\[0\]\.dependencies, line 6\)/s);
    await refused(`    pythonVersion: "3.12"\n    script: print(1)\n`).toThrow(/not supported by Ferry yet: pythonVersion.*tasks\[0\]\.pythonVersion/s);
    await refused(`    containerImage: python:3.12-slim\n    script: print(1)\n`).toThrow(/not supported by Ferry yet: containerImage without a task runner/);
    await refused(`    script: print(1)\n    commands: [python3 x.py]\n`).toThrow(/give either script .* or commands/);
  });
});
