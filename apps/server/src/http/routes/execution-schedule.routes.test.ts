import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../../ferry.js";

/* Kestra's ExecutionController.createExecution `scheduleDate`: the execution is created at once, CREATED, and starts at that date. */
let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const create = (query: string) => api(`/executions/schedule.test/hello${query}`, { method: "POST" });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-schedule-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
  const flow = "id: hello\nnamespace: schedule.test\ntasks:\n  - { id: hi, type: core.Log, message: hi }\n";
  expect((await api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: flow })).status).toBe(200);
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

const until = async (id: string, done: (e: any) => boolean) => {
  for (;;) {
    const e = (await (await api(`/executions/${id}`)).json()) as any;
    if (done(e)) return e;
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("POST /executions/{namespace}/{id}?scheduleDate=", () => {
  it("answers the execution CREATED with its scheduleDate; it starts at that date and runs to its end", async () => {
    const at = new Date(Date.now() + 1500);
    // an offset other than Z, its '+' encoded as a URL needs it
    const local = new Date(at.getTime() + 3_600_000).toISOString().replace("Z", "+01:00");
    const response = await create(`?scheduleDate=${encodeURIComponent(local)}`);
    expect(response.status).toBe(200);
    const created = (await response.json()) as any;
    expect(created.state.current).toBe("CREATED");
    expect(created.scheduleDate).toBe(at.toISOString());
    const ended = await until(created.id, (e) => e.state.current === "SUCCESS");
    const running = ended.state.histories.find((h: any) => h.state === "RUNNING");
    expect(Date.parse(running.date)).toBeGreaterThanOrEqual(at.getTime());
    expect(ended.taskRunList.map((t: any) => t.state.current)).toEqual(["SUCCESS"]);
  });

  it("a far date holds it CREATED until a kill, which ends it KILLED with no task run", async () => {
    const created = (await (await create(`?scheduleDate=2099-01-01T00:00:00Z`)).json()) as any;
    expect(created.state.current).toBe("CREATED");
    expect((await api(`/executions/${created.id}/kill`, { method: "DELETE" })).status).toBe(202);
    const killed = await until(created.id, (e) => e.state.current === "KILLED");
    expect(killed.taskRunList).toHaveLength(0);
  });

  it("refuses an unparsable date with 400 naming the parameter, and creates nothing", async () => {
    const before = ((await (await api("/executions?namespace=schedule.test&flowId=hello")).json()) as any).total;
    for (const [value, message] of [
      ["tomorrow", /query parameter scheduleDate='tomorrow' is not a date-time with an offset/],
      ["2030-01-01T10:00:00", /is not a date-time with an offset/],
      ["2030-01-01T10:00:00+01:00", /a '\+' in a URL must be written %2B/],
    ] as const) {
      const response = await create(`?scheduleDate=${value}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    expect(((await (await api("/executions?namespace=schedule.test&flowId=hello")).json()) as any).total).toBe(before);
  });

  it("refuses Kestra's parameters Ferry lacks, and unknown ones, rather than ignore them", async () => {
    const kind = await create("?kind=TEST");
    expect(kind.status).toBe(400);
    expect(((await kind.json()) as { message: string }).message).toMatch(/not supported by Ferry yet: query parameter 'kind'/);
    expect((await create("?schedule=2030-01-01T00:00:00Z")).status).toBe(400);
  });
});
