import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { PollingScheduler } from "./polling-scheduler.js";

let t: TestFerry;
let http: Server;
let base: string;
/** what the test server answers next, and the requests it got */
let answer: "ready" | "not-ready" | "reset" = "ready";
const requests: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];

const executionsOf = async (flowId: string) => {
  const page = (await (await t.api(`/executions/search?namespace=poll.test&flowId=${flowId}&size=1000`)).json()) as { results: any[] };
  return page.results;
};
const flow = (id: string, trigger: string) => `id: ${id}
namespace: poll.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.code }} {{ trigger.body }}" }
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
${trigger}`;

/** log lines a scheduler writes, parsed */
const lines: Array<{ level: number; msg: string; trigger?: string }> = [];
const logger = pino(
  { level: "debug" },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  }),
);
/** a scheduler as a server replica runs it, on a clock the test sets */
const schedulerAt = (now: Date) => {
  const { repository, triggers } = t.ferry.deps;
  return new PollingScheduler({ repository, index: triggers.index, starter: triggers.starter, logger, now: () => now });
};
const evaluateAt = async (now: Date) => {
  const scheduler = schedulerAt(now);
  await scheduler.tick();
  await scheduler.settled();
};

beforeAll(async () => {
  http = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (answer === "reset") return req.socket.destroy();
      res.writeHead(answer === "ready" ? 200 : 503, { "content-type": "application/json", "x-poll": "yes" });
      res.end(JSON.stringify({ ready: answer === "ready" }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  t = await startTestFerry();
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => http?.close(resolve));
});

describe("http.Trigger", () => {
  it("on the running server: polls every interval and starts executions while the condition holds", async () => {
    await t.deploy(flow("live", `    uri: ${base}/live\n    interval: PT1S\n    stopAfter: [SUCCESS]\n`));
    let fired: any[] = [];
    for (const end = Date.now() + 15_000; Date.now() < end && !fired.length; await new Promise((r) => setTimeout(r, 100))) fired = await executionsOf("live");
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0].trigger).toMatchObject({ id: "http", type: "io.kestra.plugin.core.http.Trigger", variables: { uri: `${base}/live`, code: 200 } });
    expect((await t.waitForEnd(fired[0].id)).state.current).toBe("SUCCESS");
    // stopAfter: [SUCCESS] disables it once one of its executions succeeded
    let state: { disabled: boolean } | undefined;
    for (const end = Date.now() + 10_000; Date.now() < end && !state?.disabled; await new Promise((r) => setTimeout(r, 100)))
      [state] = await t.ferry.deps.repository.listTriggerStates({ namespace: "poll.test", flowId: "live" });
    expect(state?.disabled).toBe(true);
  });

  describe("evaluated on a set clock", () => {
    beforeAll(async () => t.ferry.deps.triggers.polling.stop());
    const slot = (n: number) => new Date(Date.UTC(2031, 0, 1, 0, 0, 10 * n));

    it("condition true: one execution per interval with trigger.uri, code, headers and body; a second replica starts none", async () => {
      answer = "ready";
      await t.deploy(
        flow(
          "ready",
          `    uri: ${base}/ready?x=1
    method: POST
    body: '{"asked": "{{ flow.id }}"}'
    headers: { x-asked-by: ferry }
    interval: PT10S
    responseCondition: "{{ response.statusCode == 200 and (json(response.body).ready) and response.headers['x-poll'][0] == 'yes' }}"
`,
        ),
      );
      await t.ferry.deps.triggers.index.refresh();
      const { index } = t.ferry.deps.triggers;
      const ref = { namespace: "poll.test", flowId: "ready", triggerId: "http" };
      await evaluateAt(slot(1));
      // this replica again within the interval: its state says the slot was evaluated
      await evaluateAt(new Date(slot(1).getTime() + 5000));
      // another replica that has not read that state yet: the slot's claim in the repository stops it
      const [stored] = await t.ferry.deps.repository.listTriggerStates({ namespace: "poll.test", flowId: "ready" });
      index.remember({ ...stored, ...ref, lastFire: undefined });
      await evaluateAt(new Date(slot(1).getTime() + 6000));
      const asked = requests.filter((r) => r.url === "/ready?x=1");
      expect(asked).toHaveLength(1);
      const sent = asked[0];
      expect(sent).toMatchObject({ method: "POST", url: "/ready?x=1", body: '{"asked": "ready"}' });
      expect(sent.headers).toMatchObject({ "x-asked-by": "ferry", "content-type": "application/json" });
      const fired = await executionsOf("ready");
      expect(fired).toHaveLength(1);
      expect(fired[0].trigger.variables).toEqual({ uri: `${base}/ready?x=1`, code: 200, headers: expect.objectContaining({ "x-poll": ["yes"] }), body: '{"ready":true}' });
      expect(fired[0].labels).toEqual(expect.arrayContaining([{ key: "system.from", value: "trigger" }]));
      const ended = await t.waitForEnd(fired[0].id);
      expect(ended.state.current).toBe("SUCCESS");
      const [state] = await t.ferry.deps.repository.listTriggerStates({ namespace: "poll.test", flowId: "ready" });
      expect(state).toMatchObject({ lastFire: slot(1).toISOString(), nextFire: slot(2).toISOString() });
      // the next interval is evaluated again
      await evaluateAt(slot(2));
      expect(await executionsOf("ready")).toHaveLength(2);
    });

    it("condition false (the default: a status under 400): the host is called, no execution starts", async () => {
      answer = "not-ready";
      await t.deploy(flow("not-ready", `    uri: ${base}/not-ready\n    interval: PT10S\n`));
      await t.ferry.deps.triggers.index.refresh();
      await evaluateAt(slot(3));
      expect(requests.filter((r) => r.url === "/not-ready")).toHaveLength(1);
      expect(await executionsOf("not-ready")).toHaveLength(0);
    });

    it("a host out of reach or hanging up: a clear error logged on the trigger, and the next interval polls again", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const downPort = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      await t.deploy(flow("down", `    uri: http://127.0.0.1:${downPort}/gone\n    interval: PT10S\n`));
      answer = "reset";
      await t.deploy(flow("hangs-up", `    uri: ${base}/hangs-up\n    interval: PT10S\n`));
      await t.ferry.deps.triggers.index.refresh();
      lines.length = 0;
      await evaluateAt(slot(4));
      const errors = () => lines.filter((l) => l.level === 50);
      expect(errors().find((l) => l.trigger === "poll.test/down/http")?.msg).toMatch(new RegExp(`polling trigger poll.test/down/http: GET http://127.0.0.1:${downPort}/gone failed: .*ECONNREFUSED`));
      expect(errors().find((l) => l.trigger === "poll.test/hangs-up/http")?.msg).toMatch(/polling trigger poll.test\/hangs-up\/http: GET .*\/hangs-up failed/);
      // the scheduler goes on: the host answers again, the next interval starts an execution
      answer = "ready";
      await evaluateAt(slot(5));
      expect(await executionsOf("hangs-up")).toHaveLength(1);
      expect(await executionsOf("down")).toHaveLength(0);
      expect(errors().filter((l) => l.trigger === "poll.test/down/http")).toHaveLength(2);
    });

    it("sslOptions (Kestra's deprecated spelling of options.ssl): a self-signed host answers once certificate checks are off", async () => {
      const fixture = (name: string) => readFileSync(new URL(`../../../../plugins/core/src/http/test-fixtures/${name}`, import.meta.url));
      const tls = createHttpsServer({ key: fixture("self-signed.key.pem"), cert: fixture("self-signed.cert.pem") }, (_req, res) => res.writeHead(200).end("secure"));
      await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
      try {
        const uri = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/tls`;
        await t.deploy(flow("tls-checked", `    uri: ${uri}\n    interval: PT10S\n`));
        await t.deploy(flow("tls-trusted", `    uri: ${uri}\n    interval: PT10S\n    sslOptions: { insecureTrustAllCertificates: true }\n`));
        await t.ferry.deps.triggers.index.refresh();
        lines.length = 0;
        await evaluateAt(slot(40));
        expect(lines.find((l) => l.level === 50 && l.trigger === "poll.test/tls-checked/http")?.msg).toMatch(/self.signed certificate/);
        expect(await executionsOf("tls-checked")).toHaveLength(0);
        const fired = await executionsOf("tls-trusted");
        expect(fired).toHaveLength(1);
        expect(fired[0].trigger.variables).toMatchObject({ uri, code: 200, body: "secure" });
      } finally {
        for (const id of ["tls-checked", "tls-trusted"]) await t.api(`/flows/poll.test/${id}`, { method: "DELETE" });
        await t.ferry.deps.triggers.index.refresh();
        await new Promise((resolve) => tls.close(resolve));
      }
    });

    it("a secret in the request is masked in the error the server logs", async () => {
      process.env.SECRET_POLL_TOKEN = Buffer.from("poll-token-8d1f2a").toString("base64");
      try {
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const downPort = (closed.address() as AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        await t.deploy(flow("secret-uri", `    uri: "http://127.0.0.1:${downPort}/hook?token={{ secret('POLL_TOKEN') }}"\n    interval: PT10S\n`));
        await t.ferry.deps.triggers.index.refresh();
        lines.length = 0;
        await evaluateAt(slot(6));
        const error = lines.find((l) => l.level === 50 && l.trigger === "poll.test/secret-uri/http");
        expect(error?.msg).toMatch(/\/hook\?token=\*{6} failed/);
        expect(JSON.stringify(lines)).not.toContain("poll-token-8d1f2a");
      } finally {
        delete process.env.SECRET_POLL_TOKEN;
      }
    });

    it("while an execution it started has not ended, its intervals pass without a call (one active run per trigger, as Kestra)", async () => {
      answer = "ready";
      await t.deploy(`id: busy
namespace: poll.test
tasks:
  - { id: wait, type: io.kestra.plugin.core.flow.Pause }
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: ${base}/busy
    interval: PT10S
`);
      await t.ferry.deps.triggers.index.refresh();
      await evaluateAt(slot(7));
      const [first] = await executionsOf("busy");
      expect(first).toBeDefined();
      await evaluateAt(slot(8));
      expect(requests.filter((r) => r.url === "/busy")).toHaveLength(1);
      expect(await executionsOf("busy")).toHaveLength(1);
      expect((await t.api(`/executions/${first.id}/kill`, { method: "DELETE" })).status).toBe(202);
      expect((await t.waitForEnd(first.id)).state.current).toBe("KILLED");
      await evaluateAt(slot(9));
      expect(requests.filter((r) => r.url === "/busy")).toHaveLength(2);
      expect(await executionsOf("busy")).toHaveLength(2);
    });

    it("with allowConcurrent, it polls and starts while an execution it started still runs (Kestra's AbstractTrigger)", async () => {
      answer = "ready";
      await t.deploy(`id: busy_concurrent
namespace: poll.test
tasks:
  - { id: wait, type: io.kestra.plugin.core.flow.Pause }
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: ${base}/busy_concurrent
    interval: PT10S
    allowConcurrent: true
`);
      await t.ferry.deps.triggers.index.refresh();
      await evaluateAt(slot(17));
      await evaluateAt(slot(18));
      expect(requests.filter((r) => r.url === "/busy_concurrent")).toHaveLength(2);
      const started = await executionsOf("busy_concurrent");
      expect(started).toHaveLength(2);
      for (const e of started) expect((await t.api(`/executions/${e.id}/kill`, { method: "DELETE" })).status).toBe(202);
    });

    it("the trigger's conditions are checked against its variables once the response condition held", async () => {
      answer = "ready";
      const conditioned = (id: string, code: number) =>
        flow(id, `    uri: ${base}/${id}\n    interval: PT10S\n    conditions:\n      - type: io.kestra.plugin.core.condition.Expression\n        expression: "{{ trigger.code == ${code} }}"\n`);
      await t.deploy(conditioned("cond-holds", 200));
      await t.deploy(conditioned("cond-fails", 201));
      await t.ferry.deps.triggers.index.refresh();
      await evaluateAt(slot(10));
      expect(await executionsOf("cond-holds")).toHaveLength(1);
      expect(requests.filter((r) => r.url === "/cond-fails")).toHaveLength(1);
      expect(await executionsOf("cond-fails")).toHaveLength(0);
    });

    it("a disabled trigger polls nothing", async () => {
      answer = "ready";
      await t.deploy(flow("off", `    uri: ${base}/off\n    interval: PT10S\n    disabled: true\n`));
      await t.ferry.deps.triggers.index.refresh();
      await evaluateAt(slot(6));
      expect(requests.some((r) => r.url === "/off")).toBe(false);
      expect(await executionsOf("off")).toHaveLength(0);
    });
  });

  it("deploys the flow of Kestra's TriggerTest (http-listen.yaml, under the fs.http alias)", async () => {
    await t.ferry.deps.triggers.polling.stop();
    await t.deploy(`id: http-listen
namespace: poll.test
triggers:
  - id: http
    type: io.kestra.plugin.fs.http.Trigger
    uri: https://api.chucknorris.io/jokes/random
    responseCondition: "{{ response.statusCode == 200 }}"
    interval: PT1S
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Kestra team wishes you a great day!
`);
  });

  it("refuses at deploy what it cannot honour, naming the property", async () => {
    const refused = (trigger: string) => t.deploy(flow("refused", trigger));
    await expect(refused(`    uri: not a url\n`)).rejects.toThrow(/uri.*Invalid URL/s);
    await expect(refused(`    uri: ${base}\n    interval: PT0.5S\n`)).rejects.toThrow(/interval is at least PT1S/);
    await expect(refused(`    uri: ${base}\n    encryptBody: true\n`)).rejects.toThrow(/not supported by Ferry yet: encryptBody/);
    await expect(refused(`    uri: ${base}\n    params: { a: b }\n`)).rejects.toThrow(/not supported by Ferry yet: params/);
    await expect(refused(`    uri: ${base}\n    options: { allowFailed: false }\n`)).rejects.toThrow(/always takes failed statuses/);
    await expect(refused(`    uri: ${base}\n    method: FETCH\n`)).rejects.toThrow(/method/);
    await expect(refused(`    uri: ${base}\n    connection: github\n`)).rejects.toThrow(/connection/);
    // Kestra's http.Trigger has no inputs (a Schedule's or a Webhook's has)
    await expect(refused(`    uri: ${base}\n    inputs: { a: b }\n`)).rejects.toThrow(/unknown property 'inputs'/);
  });
});
