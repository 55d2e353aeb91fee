import Database from "better-sqlite3";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("data placement (DESIGN.md principle 1)", () => {
  it("keeps input and output values in storage; database rows hold only their URIs", async () => {
    const secretInput = "input-value-7f3a9c";
    const secretOutput = "output-value-1b2e8d";
    const r = await h.run(
      `
id: placement
namespace: test.data
inputs:
  - { id: word, type: STRING }
tasks:
  - id: values
    type: core.OutputValues
    values:
      fromInput: "{{ inputs.word }}"
      literal: ${secretOutput}
  - id: check
    type: core.If
    condition: "{{ outputs.values.values.literal == '${secretOutput}' }}"
    then:
      - { id: echoed, type: core.Return, format: "{{ outputs.values.values.literal }}" }
outputs:
  - { id: final, type: STRING, value: "{{ outputs.echoed.value }}" }
`,
      { word: secretInput },
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.inputsUri).toMatch(/^ferry:\/\/test\/data\/placement\/executions\//);
    expect(r.execution.outputsUri).toMatch(/^ferry:\/\//);
    expect(await r.flowOutputs()).toEqual({ final: secretOutput });
    expect(await r.outputs("values")).toEqual({ values: { fromInput: secretInput, literal: secretOutput } });

    // read every row straight from the database file; flows hold the author's source and
    // logs hold what tasks chose to print (DESIGN.md: logs live in the repository)
    await h.repository.close();
    const db = new Database(join(h.dir, "ferry.db"), { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not in ('flows', 'logs', '__drizzle_migrations')").all() as Array<{ name: string }>;
    let rows = 0;
    for (const { name } of tables) {
      for (const row of db.prepare(`select * from "${name}"`).all()) {
        rows++;
        const text = JSON.stringify(row);
        expect(text, `table ${name}`).not.toContain(secretInput);
        expect(text, `table ${name}`).not.toContain(secretOutput);
      }
    }
    db.close();
    await h.repository.init();
    expect(rows).toBeGreaterThanOrEqual(4); // the execution and its three task runs
    // ...and the values are in storage, under the execution's prefix
    const inputs = await readFile(join(h.dir, "storage", r.execution.inputsUri!.slice("ferry://".length)), "utf8");
    expect(JSON.parse(inputs)).toEqual({ word: secretInput });
  });
});
