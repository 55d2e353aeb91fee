import corePlugin from "@ferry/plugin-core";
import scriptPlugin from "@ferry/plugin-script";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";

/*
 * Flows Kestra's team wrote outside core's valids folder: webserver/src/test/resources/flows (FlowControllerTest's
 * simpleFlow.yaml, getflowsbynamespace/*.yaml write `disabled: false` and `deleted: false`) and plugin-scripts'
 * sanity checks (plugin-script-shell/src/test/resources/sanity-checks/shell.yaml writes `targetOS: AUTO`).
 */
const registry = new PluginRegistry([corePlugin, scriptPlugin]);

function problems(source: string) {
  try {
    parseFlow(source, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).errors ?? [];
  }
  throw new Error("expected the flow to be refused");
}

const flow = (head: string, task = "    type: io.kestra.plugin.core.debug.Return\n    format: test\n") => `id: test-flow\nnamespace: io.kestra.unittest\n${head}tasks:\n  - id: test\n${task}`;

describe("a flow's `deleted`, as Kestra's AbstractFlow carries it", () => {
  it("accepts `deleted: false` (what every deployed flow is) and keeps nothing of it", () => {
    const parsed = parseFlow(flow("disabled: false\ndeleted: false\n"), registry);
    expect(parsed).not.toHaveProperty("deleted");
    expect(parsed.tasks).toHaveLength(1);
  });

  it("refuses `deleted: true` at its line, naming how a flow is deleted", () => {
    expect(problems(flow("deleted: true\n"))).toEqual([
      expect.objectContaining({ path: "deleted", line: 3, message: expect.stringContaining("a flow is deleted with DELETE /api/v1/flows/{namespace}/{id}") }),
    ]);
    expect(problems(flow("deleted: maybe\n"))).toEqual([expect.objectContaining({ path: "deleted", line: 3 })]);
  });
});

describe("a script task's targetOS (Kestra's TargetOS: AUTO, LINUX, WINDOWS)", () => {
  const shell = (targetOS: string) => flow("", `    type: io.kestra.plugin.scripts.shell.Script\n    targetOS: ${targetOS}\n    script: echo hi\n`);

  it("accepts AUTO and LINUX, the POSIX shell Ferry's workers run", () => {
    for (const os of ["AUTO", "LINUX"]) expect(parseFlow(shell(os), registry).tasks[0]).toMatchObject({ targetOS: os });
  });

  it("refuses WINDOWS at the property, and an unknown system", () => {
    expect(problems(shell("WINDOWS"))).toEqual([
      expect.objectContaining({ path: "tasks[0].targetOS", line: 6, message: expect.stringContaining("not supported by Ferry yet: targetOS WINDOWS") }),
    ]);
    expect(problems(shell("SOLARIS"))).toEqual([expect.objectContaining({ path: "tasks[0].targetOS" })]);
  });
});
