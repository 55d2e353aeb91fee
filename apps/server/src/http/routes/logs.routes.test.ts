import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy(`id: slow-printer
namespace: logs.test
tasks:
  - id: print
    type: script.Shell
    commands:
      - for i in 1 2 3 4; do echo "line $i"; sleep 0.3; done
      - echo "warning" >&2
      - echo '::{"metrics":[{"name":"lines","type":"counter","value":4,"tags":{"unit":"line"}},{"name":"took","type":"timer","value":1.2}]}::'
`);
});
afterAll(async () => t?.close());

/** reads a server-sent event stream to its end: each event with the time it arrived */
async function readEvents(response: Response): Promise<Array<{ event: string; data: any; at: number }>> {
  const events: Array<{ event: string; data: any; at: number }> = [];
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += decoder.decode(read.value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) events.push({ event, data: JSON.parse(data), at: Date.now() });
    }
  }
  return events;
}

describe("logs follow", () => {
  it("streams a script's lines while it runs, in order, and ends with the execution", async () => {
    const started = (await (await t.api("/executions/logs.test/slow-printer", { method: "POST" })).json()) as { id: string };
    const events = await readEvents(await t.api(`/logs/${started.id}/follow`));
    const ended = Date.now();
    const lines = events.filter((e) => e.event === "log").map((e) => `${e.data.level} ${e.data.message}`);
    expect(lines).toEqual(["INFO line 1", "INFO line 2", "INFO line 3", "INFO line 4", "ERROR warning"]);
    // the first line arrived while the script was still printing (over a second before the end)
    expect(ended - events[0].at).toBeGreaterThan(700);
    expect((await t.api(`/logs/${started.id}/follow?minLevel=NOPE`)).status).toBe(400);
    expect((await t.api("/logs/nope/follow")).status).toBe(404);
  });

  it("keeps the metrics a script reported with Kestra's protocol, served by /api/v1/metrics", async () => {
    const started = (await (await t.api("/executions/logs.test/slow-printer?wait=true", { method: "POST" })).json()) as { id: string };
    const metrics = (await (await t.api(`/metrics/${started.id}`)).json()) as Array<Record<string, unknown>>;
    expect(metrics.map(({ name, type, value, tags, taskId }) => ({ name, type, value, tags, taskId }))).toEqual([
      { name: "lines", type: "counter", value: 4, tags: { unit: "line" }, taskId: "print" },
      { name: "took", type: "timer", value: 1.2, tags: {}, taskId: "print" },
    ]);
    expect((await t.api("/metrics/nope")).status).toBe(404);
  });
});
