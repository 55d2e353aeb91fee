import corePlugin from "@ferry/plugin-core";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";

const registry = new PluginRegistry([corePlugin]);
const deploy = (tasks: string) => () => parseFlow(`id: f\nnamespace: n\ninputs:\n  - { id: my-input, type: STRING }\n  - { id: plain, type: STRING }\ntasks:\n${tasks}`, registry);

describe("a dashed input id read with a dot, refused as Kestra's FlowValidator does", () => {
  it("names every task, at any depth, that writes {{ inputs.my-input }}", () => {
    expect(deploy("  - { id: top, type: core.Log, message: '{{ inputs.my-input }}' }\n  - id: seq\n    type: core.Sequential\n    tasks:\n      - { id: inner, type: core.Log, message: 'x {{inputs.my-input}} y' }\n")).toThrow(
      /Invalid input reference: use inputs\[key-name\] instead of inputs\.key-name — keys with dashes require bracket notation, offending tasks: \[top, seq, inner\]/,
    );
  });

  it("accepts the bracket form and other inputs read with a dot", () => {
    expect(deploy("  - { id: ok, type: core.Log, message: \"{{ inputs['my-input'] }} {{ inputs.plain }}\" }\n")).not.toThrow();
  });
});
