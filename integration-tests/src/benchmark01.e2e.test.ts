import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { BENCHMARK01 } from "./support/flows.js";


describe("benchmark01 end to end over HTTP", () => {
  let ferry: FerryProcess;
  beforeAll(async () => void (ferry = await startFerryProcess()));
  afterAll(async () => ferry?.stop());

  it("deploys the flow and runs 100 concurrent executions to SUCCESS with their logs", async () => {
    const deployed = await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: BENCHMARK01, headers: { "content-type": "application/x-yaml" } });
    expect(deployed.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const form = new FormData();
        if (i % 2) form.set("name", `caller-${i}`);
        const r = await fetch(`${ferry.url}/api/v1/executions/benchmarks/benchmark01?wait=true`, { method: "POST", body: form });
        return { i, status: r.status, body: (await r.json()) as { id: string; state: { current: string }; taskRunList: Array<{ outputs: { values?: { message: string } } }> } };
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body.state.current).toBe("SUCCESS");
      expect(a.body.taskRunList[0].outputs.values?.message).toBe(a.i % 2 ? `Hello caller-${a.i}` : "Hello World");
    }
    const sample = answers[7];
    let messages: string[] = [];
    for (let t = 0; t < 50 && !messages.length; t++) {
      messages = ((await (await fetch(`${ferry.url}/api/v1/logs/${sample.body.id}`)).json()) as Array<{ message: string }>).map((l) => l.message);
      if (!messages.length) await new Promise((r) => setTimeout(r, 100));
    }
    expect(messages).toContain("Hello caller-7");
    const search = (await (await fetch(`${ferry.url}/api/v1/executions/search?namespace=benchmarks&flowId=benchmark01&state=SUCCESS`)).json()) as { total: number };
    expect(search.total).toBe(100);
  });
});
