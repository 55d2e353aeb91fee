import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/* Kestra's ForEachItem on the engine's embedded parts: a file cut into batches, one real subflow execution per batch. */
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
  await h.deploy(`
id: order
namespace: test.fei
inputs:
  - id: order
    type: STRING
  - id: iteration
    type: INT
tasks:
  - id: check
    type: core.Fail
    condition: "{{ read(inputs.order) | trim == 'bad' }}"
    errorMessage: bad order
  - id: content
    type: core.Return
    format: "{{ read(inputs.order) | trim }}"
outputs:
  - id: line
    type: STRING
    value: "{{ inputs.iteration }}:{{ outputs.content.value }}"
`);
}, 30_000);
afterAll(async () => h?.close());

const parent = (content: string, extra = "") => `
id: orders
namespace: test.fei
tasks:
  - id: extract
    type: core.storage.Write
    content: "${content}"
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ outputs.extract.uri }}"
    namespace: test.fei
    flowId: order
    inputs:
      order: "{{ taskrun.items }}"
      iteration: "{{ taskrun.iteration }}"
${extra}`;

/** a ForEachItem whose batch "b" fails while KV `key` says so; restarted once the KV says otherwise. Answers its children. */
async function failThenRestart(key: string, extra: string) {
  await h.deploy(`
id: flaky_order_${key}
namespace: test.fei
inputs:
  - id: order
    type: STRING
tasks:
  - id: check
    type: core.Fail
    condition: "{{ kv('${key}', 'test.fei', false) == 'yes' and read(inputs.order) | trim == 'b' }}"
outputs:
  - id: item
    type: STRING
    value: "{{ read(inputs.order) | trim }}"
`);
  await h.kv.set("test.fei", key, "yes");
  const flow = await h.deploy(
    parent("a\\nb", extra).replace("id: orders\n", `id: orders_${key}\n`).replace("flowId: order\n", `flowId: flaky_order_${key}\n`).replace('      iteration: "{{ taskrun.iteration }}"\n', ""),
  );
  const execution = await h.executions.create({ flow });
  await h.waitFor(execution.id, (e) => e.state.current === "FAILED");
  await h.kv.set("test.fei", key, "no");
  await h.executor.handle({ type: "restart", executionId: execution.id });
  await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
  const page = await h.repository.searchExecutions({ namespace: "test.fei", flowId: `flaky_order_${key}`, page: 1, size: 200 });
  return { execution, children: page.results.filter((e) => e.parent?.executionId === execution.id) };
}

describe("core.ForEachItem", () => {
  it("starts one subflow execution per line and shows Kestra's _split, _items and _merge task runs", async () => {
    const r = await h.run(parent("a\\nb\\nc"));
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(["each", "each_split", "each_items", "each_merge"].map((t) => r.state(t))).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS"]);
    const each = r.runs("each")[0];
    expect(["each_split", "each_items", "each_merge"].map((t) => r.runs(t)[0].parentTaskRunId)).toEqual([each.id, each.id, each.id]);
    expect(await r.outputs("each_items")).toMatchObject({ numberOfBatches: 3, iterations: { CREATED: 0, RUNNING: 0, SUCCESS: 3 } });
    const { subflowOutputs } = (await r.outputs("each_merge")) as { subflowOutputs: string };
    const lines = new TextDecoder().decode(await h.storage.get(subflowOutputs.replace("ferry://", ""))).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ line: "0:a" }, { line: "1:b" }, { line: "2:c" }]);
    const page = await h.repository.searchExecutions({ namespace: "test.fei", flowId: "order", page: 1, size: 100 });
    const children = page.results.filter((e) => e.parent?.executionId === r.execution.id);
    expect(children.map((c) => c.state.current)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    // as Kestra's subflow trigger: the parent, its task run, and the batch
    const triggers = await Promise.all(children.map((c) => h.store.read<Record<string, unknown>>(c.trigger!.variablesUri!)));
    expect(triggers.map((t) => t.taskRunIteration).sort()).toEqual([0, 1, 2]);
    expect(triggers.every((t) => t.taskId === "each_items" && t.executionId === r.execution.id)).toBe(true);
  });

  it("cuts by batch.rows, and by partitions", async () => {
    const byRows = await h.run(parent("1\\n2\\n3\\n4\\n5", "    batch:\n      rows: 2\n    wait: true\n").replace("order: \"{{ taskrun.items }}\"", "order: \"{{ taskrun.items }}\""));
    expect(await byRows.outputs("each_items")).toMatchObject({ numberOfBatches: 3 });
    const byPartitions = await h.run(parent("1\\n2\\n3\\n4\\n5", "    batch:\n      partitions: 2\n"));
    expect(await byPartitions.outputs("each_items")).toMatchObject({ numberOfBatches: 2, iterations: { SUCCESS: 2 } });
  });

  it("given rows, bytes and partitions together, cuts by bytes (Kestra's Batch has no check; StorageService.split takes bytes before partitions and rows: the docs' ForEachItem syntax)", async () => {
    const r = await h.run(parent("1\\n2\\n3\\n4\\n5", '    batch:\n      rows: 4\n      bytes: "4"\n      partitions: 2\n'));
    expect(r.execution.state.current).toBe("SUCCESS");
    // each line is 2 bytes with its separator: a new batch once one holds 4 bytes → 3 batches (neither 2 by rows nor 2 by partitions)
    expect(await r.outputs("each_items")).toMatchObject({ numberOfBatches: 3, iterations: { SUCCESS: 3 } });
  });

  it("takes batch.rows from an expression, rendered by the _split step (Kestra's rows is a Property<Integer>: for-each-item-in-if.yaml)", async () => {
    const source = parent("1\\n2\\n3\\n4\\n5", "    batch:\n      rows: \"{{ inputs.size }}\"\n    wait: true\n")
      .replace("id: orders\n", "id: orders_rows_expr\ninputs:\n  - id: size\n    type: INT\n");
    const done = await h.run(source, { size: 2 });
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(await done.outputs("each_items")).toMatchObject({ numberOfBatches: 3, iterations: { SUCCESS: 3 } });
    // a rendered value that breaks the rule fails the _split step naming it
    const failed = await h.run(source, { size: 0 });
    expect(failed.execution.state.current).toBe("FAILED");
    expect(failed.state("each_split")).toBe("FAILED");
    expect(failed.messages().join("\n")).toMatch(/batch\.rows/);
  });

  it("a failed subflow fails it (transmitFailed), and not when transmitFailed is false", async () => {
    const failed = await h.run(parent("ok\\nbad\\nok"));
    expect(failed.execution.state.current).toBe("FAILED");
    expect(failed.state("each_items")).toBe("FAILED");
    expect(failed.state("each")).toBe("FAILED");
    expect(await failed.outputs("each_items")).toMatchObject({ iterations: { SUCCESS: 2, FAILED: 1, CREATED: 0 } });
    const tolerant = await h.run(parent("ok\\nbad", "    transmitFailed: false\n"));
    expect(tolerant.execution.state.current).toBe("SUCCESS");
    expect(await tolerant.outputs("each_items")).toMatchObject({ iterations: { SUCCESS: 1, FAILED: 1 } });
  });

  it("restarted after a failed batch, it restarts that batch's execution only (Kestra's default restartBehavior RETRY_FAILED)", async () => {
    const { execution, children } = await failThenRestart("fei_retry", "");
    expect(children).toHaveLength(2);
    expect(children.map((c) => c.state.current)).toEqual(["SUCCESS", "SUCCESS"]);
    // the one that failed is the same execution, restarted
    const restarted = children.filter((c) => c.labels["system.restarted"] === "true");
    expect(restarted).toHaveLength(1);
    const r = await h.result(execution.id);
    expect(r.runs("each_items")).toHaveLength(1);
    expect(r.runs("each_items")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(await r.outputs("each_items")).toMatchObject({ numberOfBatches: 2, iterations: { CREATED: 0, SUCCESS: 2 } });
    const { subflowOutputs } = (await r.outputs("each_merge")) as { subflowOutputs: string };
    const lines = new TextDecoder().decode(await h.storage.get(subflowOutputs.replace("ferry://", ""))).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ item: "a" }, { item: "b" }]);
  });

  it("restarted with restartBehavior NEW_EXECUTION, it runs every batch again as new subflow executions", async () => {
    const { execution, children } = await failThenRestart("fei_new", "    restartBehavior: NEW_EXECUTION\n");
    expect(children).toHaveLength(4);
    // the first two stay as they ended, one of them FAILED
    expect(children.map((c) => c.state.current).sort()).toEqual(["FAILED", "SUCCESS", "SUCCESS", "SUCCESS"]);
    const r = await h.result(execution.id);
    expect(r.runs("each_items")).toHaveLength(1);
    expect(await r.outputs("each_items")).toMatchObject({ numberOfBatches: 2, iterations: { SUCCESS: 2 } });
  });

  it("without wait it ends once the subflows are started, each counted SUCCESS (ForEachItemCaseTest.forEachItemNoWait)", async () => {
    const r = await h.run(parent("x\\ny", "    wait: false\n"));
    expect(r.execution.state.current).toBe("SUCCESS");
    // ExecutorService.handleExecutableTask sets each child's parent task run SUCCESS at once; manageIterations moves it from RUNNING
    expect(await r.outputs("each_items")).toEqual({ numberOfBatches: 2, iterations: { RUNNING: 0, SUCCESS: 2 } });
    expect(await r.outputs("each_merge")).toBeUndefined();
  });

  it("an empty file starts nothing and succeeds, the items run without outputs (ForEachItemCaseTest.forEachItemEmptyItems)", async () => {
    const r = await h.run(parent(""));
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns).toHaveLength(5);
    expect(r.runs("each_items")[0].state.current).toBe("SUCCESS");
    expect(await r.outputs("each_items")).toBeUndefined();
  });

  it("passes labels, and the parent's with inheritLabels, to every subflow execution", async () => {
    const flow = await h.deploy(parent("a\\nb", "    inheritLabels: true\n    labels:\n      batch: yes\n").replace("namespace: test.fei\ntasks:", "namespace: test.fei\nlabels:\n  team: data\ntasks:"));
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    const page = await h.repository.searchExecutions({ namespace: "test.fei", flowId: "order", page: 1, size: 200 });
    const children = page.results.filter((e) => e.parent?.executionId === execution.id);
    expect(children).toHaveLength(2);
    for (const child of children) expect(child.labels).toMatchObject({ team: "data", batch: "yes" });
  });

  // ForEachItem.java's own example: its split child has no value (FlowableUtils.resolveTasks), so `items` reads the ForEach's as parent.taskrun.value
  it("inside a ForEach, each value cuts its own file", async () => {
    const r = await h.run(`
id: orders_loop
namespace: test.fei
tasks:
  - id: loop
    type: core.ForEach
    values: ["x", "y"]
    tasks:
      - id: extract
        type: core.storage.Write
        content: "{{ taskrun.value }}1\\n{{ taskrun.value }}2"
      - id: each
        type: core.ForEachItem
        items: "{{ outputs.extract[parent.taskrun.value].uri }}"
        namespace: test.fei
        flowId: order
        inputs:
          order: "{{ taskrun.items }}"
          iteration: "{{ taskrun.iteration }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("each_items").map((t) => t.state.current)).toEqual(["SUCCESS", "SUCCESS"]);
    const merged = await Promise.all(
      r.runs("each_merge").map(async (t) => {
        const { subflowOutputs } = (await h.store.read(t.outputsUri!)) as { subflowOutputs: string };
        return new TextDecoder().decode(await h.storage.get(subflowOutputs.replace("ferry://", ""))).trim();
      }),
    );
    expect(merged.sort()).toEqual(['{"line":"0:x1"}\n{"line":"1:x2"}', '{"line":"0:y1"}\n{"line":"1:y2"}']);
  });

  it("a kill kills every running subflow execution and ends it KILLED", async () => {
    await h.deploy(`
id: slow_order
namespace: test.fei
inputs:
  - id: order
    type: STRING
tasks:
  - { id: wait, type: test.WorkerWait, ms: 30000 }
`);
    const flow = await h.deploy(parent("a\\nb\\nc").replace("flowId: order", "flowId: slow_order").replace('      iteration: "{{ taskrun.iteration }}"\n', ""));
    const execution = await h.executions.create({ flow });
    const childrenOf = async () => (await h.repository.searchExecutions({ namespace: "test.fei", flowId: "slow_order", page: 1, size: 200 })).results.filter((e) => e.parent?.executionId === execution.id);
    for (const end = Date.now() + 10_000; Date.now() < end && (await childrenOf()).filter((c) => c.state.current === "RUNNING").length < 3; ) await new Promise((r) => setTimeout(r, 50));
    await h.executor.handle({ type: "kill", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "KILLED");
    const r = await h.result(execution.id);
    expect(r.state("each_items")).toBe("KILLED");
    for (const end = Date.now() + 5000; Date.now() < end && (await childrenOf()).some((c) => c.state.current !== "KILLED"); ) await new Promise((r) => setTimeout(r, 50));
    expect((await childrenOf()).map((c) => c.state.current)).toEqual(["KILLED", "KILLED", "KILLED"]);
  });

  describe("refused at deploy, naming the property", () => {
    const refused = async (extra: string, drop?: string) => {
      let source = parent("a", extra);
      if (drop) source = source.replace(drop, "");
      const error = await h.deploy(source).then(
        () => undefined,
        (e: unknown) => e as Error & { status?: number; errors?: Array<{ path?: string; message: string }> },
      );
      expect(error?.status).toBe(422);
      return (error!.errors ?? []).map((e) => `${e.path}: ${e.message}`).join("\n");
    };
    it("no flowId", async () => expect(await refused("", "    flowId: order\n")).toMatch(/tasks\[1\]\.flowId/));
    it("an unknown property", async () => expect(await refused("    concurrencyLimit: 2\n")).toMatch(/tasks\[1\]\.concurrencyLimit: unknown property/));
    it("one of its steps named in a flow", async () => {
      const error = await h.deploy("id: steps\nnamespace: test.fei\ntasks:\n  - id: s\n    type: io.kestra.plugin.core.flow.ForEachItem$ForEachItemSplit\n    items: x\n").catch((e: Error) => e);
      expect((error as Error & { status?: number }).status).toBe(422);
      expect((error as Error).message).toMatch(/ForEachItemSplit is a step Ferry makes for another task.*\(tasks\[0\]\.type/);
    });
    it("a literal batch.rows below 1", async () => expect(await refused("    batch:\n      rows: 0\n")).toMatch(/tasks\[1\]\.batch\.rows/));
    it("a batch.rows that is neither a number nor an expression", async () => expect(await refused("    batch:\n      rows: many\n")).toMatch(/tasks\[1\]\.batch\.rows/));
    it("an unknown batch property", async () => expect(await refused("    batch:\n      size: 2\n")).toMatch(/tasks\[1\]\.batch/));
  });
});
