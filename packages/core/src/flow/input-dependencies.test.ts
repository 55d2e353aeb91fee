import corePlugin from "@ferry/plugin-core";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { inputDependencyProblems, resolutionOrder } from "./input-dependencies.js";
import { parseFlow } from "./parse-flow.js";

const registry = new PluginRegistry([corePlugin]);
const deploy = (inputs: string) => () => parseFlow(`id: f\nnamespace: n\ninputs:\n${inputs}tasks:\n  - { id: t, type: core.Log, message: hi }\n`, registry);

describe("input dependencies as Kestra's FlowValidator checks them", () => {
  it("refuses a dependsOn naming no input of the flow, in Kestra's words, at its line", () => {
    expect(deploy("  - { id: region, type: STRING, dependsOn: { inputs: [cloud] } }\n")).toThrow(/Input with id 'region' depends on a non-existent input 'cloud'\. \(inputs\[0\]\.dependsOn\.inputs, line 4\)/);
  });

  it("refuses inputs that depend on each other in a cycle, naming the cycle", () => {
    expect(deploy("  - { id: a, type: STRING, dependsOn: { inputs: [b] } }\n  - { id: b, type: STRING, dependsOn: { inputs: [a] } }\n")).toThrow(/Cycle dependency detected for input with id 'a': \[a, b, a\]/);
    expect(inputDependencyProblems([{ id: "self", dependsOn: { inputs: ["self"] } }])).toEqual([{ path: ["inputs", 0, "dependsOn", "inputs"], message: "Cycle dependency detected for input with id 'self': [self, self]" }]);
  });

  it("orders inputs after what they depend on, otherwise as declared", () => {
    const order = resolutionOrder([{ id: "c", dependsOn: { inputs: ["b"] } }, { id: "a" }, { id: "b", dependsOn: { inputs: ["a"] } }, { id: "d" }]);
    expect(order.map((i) => i.id)).toEqual(["a", "b", "c", "d"]);
  });
});
