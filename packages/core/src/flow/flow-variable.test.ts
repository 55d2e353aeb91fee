import corePlugin from "@ferry/plugin-core";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { flowVariable, KESTRA_TENANT } from "./flow-variable.js";
import { parseFlow } from "./parse-flow.js";
import { resolveExecutionInputs } from "./resolve-inputs.js";

describe("the `flow` variable (Kestra's RunVariables.of(FlowInterface))", () => {
  it("holds id, namespace, the revision when known, and the tenant Kestra OSS gives every flow: main", () => {
    expect(KESTRA_TENANT).toBe("main");
    expect(flowVariable({ id: "f", namespace: "company.team", revision: 3 })).toEqual({ id: "f", namespace: "company.team", revision: 3, tenantId: "main" });
    expect(flowVariable({ id: "f", namespace: "company.team" })).toEqual({ id: "f", namespace: "company.team", tenantId: "main" });
  });

  // the copy-flows-to-new-tenant blueprint calls Kestra's API at /api/v1/{{ flow.tenantId }}/flows/export/by-query
  it("gives `{{ flow.tenantId }}` to an input's templated default", async () => {
    const registry = new PluginRegistry([corePlugin]);
    const flow = parseFlow("id: f\nnamespace: n\ninputs:\n  - { id: path, type: STRING, defaults: '/api/v1/{{ flow.tenantId }}/flows' }\ntasks:\n  - { id: t, type: core.Log, message: hi }\n", registry);
    expect(await resolveExecutionInputs(flow.inputs, {}, { flow: { id: "f", namespace: "n" } })).toEqual({ path: "/api/v1/main/flows" });
  });
});
