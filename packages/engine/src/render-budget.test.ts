import { configureRenderLimits, DEFAULT_RENDER_LIMITS } from "@ferry/core";
import { isTerminal } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

/**
 * Render budgets where Ferry renders: the worker (task properties), the executor (flowable
 * properties, flow outputs). A breach fails the task or the execution naming the limit; a
 * runaway render neither takes the memory nor stalls the other executions.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => {
  configureRenderLimits(DEFAULT_RENDER_LIMITS);
  await h?.close();
});

const errorsOf = (r: Awaited<ReturnType<EngineHarness["run"]>>) => r.messages().join("\n");

describe("render budgets", () => {
  it("a task whose template would build 10 million elements fails naming render.maxCollectionSize, without the memory", async () => {
    const heap = process.memoryUsage().heapUsed;
    const r = await h.run(
      `id: runaway\nnamespace: budget.test\ninputs:\n  - { id: n, type: INT }\ntasks:\n  - { id: log, type: core.Log, message: "{{ range(0, inputs.n) | join(',') | length }}" }\n`,
      { n: 10_000_000 },
    );
    expect(r.execution.state.current).toBe("FAILED");
    expect(errorsOf(r)).toMatch(/The range function cannot produce more than 1000000 elements/);
    expect((process.memoryUsage().heapUsed - heap) / 1024 / 1024).toBeLessThan(200);
  });

  it("the task's timeout stops a render in progress", async () => {
    const r = await h.run(
      `id: slow\nnamespace: budget.test\ntasks:\n  - id: log\n    type: core.Log\n    timeout: PT0.3S\n    message: "{% for i in range(0, 100000) %}{% for j in range(0, 99) %}{% endfor %}{% endfor %}done"\n`,
    );
    expect(r.execution.state.current).toBe("FAILED");
    expect(errorsOf(r)).toMatch(/Timeout after/);
    expect(errorsOf(r)).not.toMatch(/render\.maxIterations/);
  });

  it("a runaway render does not stall other executions", async () => {
    const runaway = await h.executions.create({
      flow: await h.deploy(`id: spin\nnamespace: budget.test\ntasks:\n  - { id: log, type: core.Log, message: "{% for i in range(0, 100000) %}{% for j in range(0, 1000) %}{% endfor %}{% endfor %}" }\n`),
      inputs: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const quick = await h.run(`id: quick\nnamespace: budget.test\ntasks:\n  - { id: log, type: core.Log, message: hello }\n`);
    expect(quick.execution.state.current).toBe("SUCCESS");
    // the quick one ended while the runaway was still rendering
    const meanwhile = (await h.repository.getExecution(runaway.id))!.execution.state.current;
    expect(isTerminal(meanwhile)).toBe(false);
    const ended = await h.waitFor(runaway.id, (e) => isTerminal(e.state.current), 60_000);
    expect(ended.execution.state.current).toBe("FAILED");
    // one budget or the other stops it: the iterations on a quiet box, the render's time on a starved one (CI once)
    expect(errorsOf(await h.result(runaway.id))).toMatch(/render\.maxIterations is 10000000|render budget exceeded: render\.timeout/);
  });

  it("the executor's renders are budgeted too: a flowable property and a flow output", async () => {
    const flowable = await h.run(`id: cond\nnamespace: budget.test\ntasks:\n  - id: if\n    type: core.If\n    condition: "{{ range(0, 5000000) | length > 0 }}"\n    then:\n      - { id: log, type: core.Log, message: never }\n`);
    expect(flowable.execution.state.current).toBe("FAILED");
    expect(errorsOf(flowable)).toMatch(/The range function cannot produce more than 1000000 elements/);
    const output = await h.run(`id: out\nnamespace: budget.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\noutputs:\n  - { id: big, type: STRING, value: "{{ range(0, 2000000) | join(',') }}" }\n`);
    expect(output.execution.state.current).toBe("FAILED");
  });

  it("limits come from configuration (ferry.yaml's render section)", async () => {
    configureRenderLimits({ maxCollectionSize: 10 });
    try {
      const r = await h.run(`id: small\nnamespace: budget.test\ntasks:\n  - { id: log, type: core.Log, message: "{{ range(0, 20) | join(',') }}" }\n`);
      expect(r.execution.state.current).toBe("FAILED");
      expect(errorsOf(r)).toMatch(/render\.maxCollectionSize is 10\b/);
    } finally {
      configureRenderLimits(DEFAULT_RENDER_LIMITS);
    }
  });
});
