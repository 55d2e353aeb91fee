import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { storageKeyOf } from "@ferry/sdk";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

// the harness is composed as local mode is: tasks reach KV, purge and the task cache, and SECRET inputs are sealed
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
});
afterAll(async () => h?.close());

describe("the engine test harness, composed as local mode", () => {
  it("seals SECRET inputs with a local key and opens them for the task only", async () => {
    const r = await h.run(
      `id: sealed
namespace: harness.test
inputs:
  - { id: password, type: SECRET }
tasks:
  - id: use
    type: core.OutputValues
    values: { length: "{{ inputs.password | length }}" }
`,
      { password: "hunter22" },
    );
    expect(r.state("use")).toBe("SUCCESS");
    expect(await r.outputs("use")).toEqual({ values: { length: "8" } });
    const stored = await readFile(join(h.dir, "storage", storageKeyOf(r.execution.inputsUri!)), "utf8");
    expect(stored).not.toContain("hunter22");
  });

  it("opens a SECRET input in a Loop's iterations, nested too, sealed under the root's id (InputsTest.inputFlow, inputs.yaml's Loop)", async () => {
    const r = await h.run(
      `id: sealed_loop
namespace: harness.test
inputs:
  - { id: password, type: SECRET }
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.Loop
    values: [1, 2]
    tasks:
      - id: inner
        type: io.kestra.plugin.core.flow.Loop
        values: [a]
        tasks:
          - id: use
            type: core.OutputValues
            values: { length: "{{ inputs.password | length }}" }
`,
      { password: "hunter22" },
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    const outer = await r.iterations();
    expect(outer.map((i) => i.execution.state.current)).toEqual(["SUCCESS", "SUCCESS"]);
    for (const o of outer) {
      const [inner] = await o.iterations();
      expect(await inner.outputs("use")).toEqual({ values: { length: "8" } });
    }
  });

  it("fills an input's default with secret() (FlowInputOutputTest.shouldNotObfuscateSecretsWhenReadingInputs), stored sealed, masked in logs", async () => {
    const r = await h.run(`id: secret_default
namespace: harness.test
inputs:
  - id: token
    type: STRING
    required: false
    defaults: "{{ secret('API_TOKEN') }}"
  - id: plain
    type: STRING
    defaults: "{{ 'open' }}"
tasks:
  - id: use
    type: core.OutputValues
    values: { length: "{{ inputs.token | length }}", plain: "{{ inputs.plain }}" }
  - id: say
    type: core.Log
    message: "token {{ inputs.token }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    // the task reads the secret's value ("s3cr3t-token"), as Kestra's readExecutionInputs gives it
    expect(await r.outputs("use")).toEqual({ values: { length: "12", plain: "open" } });
    expect(r.messages()).toContain("token ******");
    const stored = await readFile(join(h.dir, "storage", storageKeyOf(r.execution.inputsUri!)), "utf8");
    expect(stored).not.toContain("s3cr3t-token");
    expect(stored).toContain("open");
  });

  it("gives tasks the KV store, purges and the task cache", async () => {
    const flow = `id: parts
namespace: harness.test
tasks:
  - id: put
    type: core.kv.Set
    key: seen
    value: "yes"
  - id: get
    type: core.OutputValues
    values: { seen: "{{ kv('seen') }}" }
  - id: cached
    type: core.OutputValues
    taskCache: { enabled: true, ttl: PT1H }
    values: { n: 1 }
  - id: purge
    type: core.PurgeKV
    namespaces: [harness.test]
    keyPattern: seen
    expiredOnly: false
`;
    const first = await h.run(flow);
    expect(first.execution.state.current).toBe("SUCCESS");
    expect(await first.outputs("get")).toEqual({ values: { seen: "yes" } });
    expect(await first.outputs("purge")).toEqual({ size: 1 });
    expect(await h.kv.get("harness.test", "seen")).toBeUndefined();
    const second = await h.run(flow);
    expect(second.messages().some((m) => m.startsWith("outputs taken from the task cache"))).toBe(true);
  });
});
