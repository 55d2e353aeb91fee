import type { Flow } from "@ferry/core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { blockedByChecks, failedChecks } from "./flow-checks.js";

const flowWith = (checks: Flow["checks"]): Flow => ({ id: "f", namespace: "qa.checks", tasks: [], checks });

describe("flow checks", () => {
  it("hold when every condition is truthy, whatever its behaviour", async () => {
    const flow = flowWith([{ condition: "{{ inputs.n > 1 }}", message: "n is small", behavior: "BLOCK_EXECUTION" }]);
    expect(await failedChecks(flow, { n: 2 }, { executionId: "e1" })).toBeUndefined();
  });

  it("answer the failed ones and the strictest behaviour they ask for, BLOCK by default", async () => {
    const flow = flowWith([
      { condition: "{{ false }}", message: "warn only", behavior: "CREATE_EXECUTION" },
      { condition: "{{ inputs.name == 'kestra' }}", message: "not kestra", behavior: "FAIL_EXECUTION" },
      { condition: "{{ execution.id == 'e1' }}", message: "holds" },
    ]);
    const failed = await failedChecks(flow, { name: "other" }, { executionId: "e1" });
    expect(failed).toEqual({ behavior: "FAIL_EXECUTION", checks: [flow.checks![0], flow.checks![1]] });
    const blocking = await failedChecks(flowWith([...flow.checks!, { condition: "0", message: "blocks" }]), { name: "other" }, { executionId: "e1" });
    expect(blocking?.behavior).toBe("BLOCK_EXECUTION");
    const error = blockedByChecks(blocking!);
    expect(error.status).toBe(422);
    expect(error.message).toContain("warn only; not kestra; blocks");
  });

  it("refuse a condition that cannot render, naming the check", async () => {
    const flow = flowWith([{ condition: "{{ inputs.missing.deeper }}", message: "m" }]);
    const error = await failedChecks(flow, {}, { executionId: "e1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/checks\[0\].*cannot be evaluated/);
  });
});
