import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const TOKEN = "doctor-robot-token-0123456789";

type Report = { server: { url: string; source: string }; reachable: boolean; credentials: string; auth?: string; info?: { version: string; role: string; backends: Array<{ kind: string; type: string; status: string }>; workers: number }; problem?: string };
const report = (stdout: string) => JSON.parse(stdout) as Report;
/** no FERRY_SERVER_URL or token from the environment running the tests */
const clean = { FERRY_SERVER_URL: "", FERRY_SERVER_TOKEN: "" };

describe("ferry doctor, finding the server, and credentials", () => {
  let ferry: FerryProcess;
  let port: number;
  beforeAll(async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-cli-doctor-"));
    await writeFile(join(cwd, "ferry.yaml"), `server:\n  auth:\n    basic: [{ username: ada, password: "correct horse" }]\n    tokens: ["${TOKEN}"]\n`);
    port = await freePort();
    ferry = await startFerryProcess({ cwd, port });
  });
  afterAll(async () => ferry?.stop());

  it("says which server it reached and why that one, the server's version and role, each backend answering, the plugins and workers", async () => {
    const r = await runCli(["doctor", "--server", ferry.url], { env: { ...clean, FERRY_SERVER_TOKEN: TOKEN } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toEqual([
      `server     ${ferry.url} (from --server)`,
      "reached    yes",
      "auth       the bearer token in $FERRY_SERVER_TOKEN: accepted",
      "version    ferry 0.1.0 (local); this CLI 0.1.0",
      "repository sqlite     UP",
      "storage    local      UP",
      "secrets    env        UP",
      "queue      memory     UP",
      "plugins    @ferry/plugin-core 0.1.0, @ferry/plugin-script 0.1.0",
      expect.stringMatching(/^workers    [1-9]\d*$/),
    ]);
    const json = report((await runCli(["doctor", "--json", "--server", ferry.url.replace("http://", "http://ada:correct%20horse@")], { env: clean })).stdout);
    expect(json).toMatchObject({ reachable: true, credentials: "user ada (basic auth from the server URL)", auth: "accepted", info: { version: "0.1.0", role: "local" } });
    expect(json.info!.backends.every((b) => b.status === "UP")).toBe(true);
  }, 120_000);

  it("a wrong token is exit 5 with one line, for doctor and for any command", async () => {
    const doctor = await runCli(["doctor", "--server", ferry.url], { env: { ...clean, FERRY_SERVER_TOKEN: "not-the-token" } });
    expect(doctor.code).toBe(5);
    expect(doctor.stdout).toContain("auth       the bearer token in $FERRY_SERVER_TOKEN: refused");
    const list = await runCli(["executions", "list", "--server", ferry.url], { env: { ...clean, FERRY_SERVER_TOKEN: "not-the-token" } });
    expect(list).toMatchObject({ code: 5, stdout: "" });
    expect(list.stderr).toBe(
      `ferry: the server at ${ferry.url} refused the bearer token in $FERRY_SERVER_TOKEN (HTTP 401: authentication required: send Authorization: Basic (a server.auth user) or Bearer (a server.auth token)); set FERRY_SERVER_TOKEN, or put user:password in the server URL\n`,
    );
    const wrongUser = await runCli(["flow", "list", "--server", ferry.url.replace("http://", "http://ada:wrong@")], { env: clean });
    expect(wrongUser).toMatchObject({ code: 5, stderr: expect.stringContaining("refused user ada (basic auth from the server URL)") });
  }, 120_000);

  it("finds the server from ferry.yaml's server.host and server.port (or --config), after FERRY_SERVER_URL and --server", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-cli-find-"));
    // the other sections name variables only the server's machine has: the CLI reads server alone
    await writeFile(join(cwd, "ferry.yaml"), `server:\n  host: 0.0.0.0\n  port: \${FERRY_PORT}\nrepository: { type: postgres, url: "postgres://ferry:\${PG_PASSWORD}@db/ferry" }\n`);
    await writeFile(join(cwd, "other.yaml"), `server: { port: ${port} }\n`);
    const env = { ...clean, FERRY_SERVER_TOKEN: TOKEN, FERRY_PORT: String(port) };
    const fromFile = report((await runCli(["doctor", "--json"], { cwd, env })).stdout);
    expect(fromFile).toMatchObject({ server: { url: `http://127.0.0.1:${port}`, source: `server section of ${join(cwd, "ferry.yaml")}` }, reachable: true, auth: "accepted" });
    const fromConfig = report((await runCli(["doctor", "--json", "--config", "other.yaml"], { cwd, env: { ...env, FERRY_PORT: "1" } })).stdout);
    expect(fromConfig).toMatchObject({ server: { url: `http://127.0.0.1:${port}`, source: `server section of ${join(cwd, "other.yaml")}` }, reachable: true });
    const fromEnv = await runCli(["doctor", "--json"], { cwd, env: { ...env, FERRY_SERVER_URL: "http://127.0.0.1:9" } });
    expect(fromEnv.code).toBe(4);
    expect(report(fromEnv.stdout)).toMatchObject({ server: { url: "http://127.0.0.1:9", source: "$FERRY_SERVER_URL" }, reachable: false });
    const fromFlag = report((await runCli(["doctor", "--json", "--server", ferry.url], { cwd, env: { ...env, FERRY_SERVER_URL: "http://127.0.0.1:9" } })).stdout);
    expect(fromFlag).toMatchObject({ server: { source: "--server" }, reachable: true });
    const noPort = await runCli(["flow", "list"], { cwd, env: { ...clean, FERRY_PORT: "" } });
    expect(noPort).toMatchObject({ code: 2, stderr: `ferry: server.port '' (server section of ${join(cwd, "ferry.yaml")}) is not a port a client can reach (1 to 65535); pass --server URL\n` });
    const missing = await runCli(["flow", "list", "--config", "nope.yaml"], { cwd, env: clean });
    expect(missing).toMatchObject({ code: 2, stderr: "ferry: --config nope.yaml: no such file\n" });
  }, 120_000);

  it("a server that does not answer: nothing listening, or a socket that never answers (FERRY_REQUEST_TIMEOUT), is exit 4 with one line", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const none = await runCli(["doctor", "--server", nobody], { env: clean });
    expect(none.code).toBe(4);
    expect(none.stdout).toContain("reached    no");
    expect(none.stdout).toContain(`cannot reach the Ferry server at ${nobody} (ECONNREFUSED)`);
    const list = await runCli(["executions", "get", "x", "--server", nobody], { env: clean });
    expect(list).toMatchObject({ code: 4, stderr: `ferry: cannot reach the Ferry server at ${nobody} (ECONNREFUSED); start one with 'ferry server local', or pass --server URL\n` });

    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket)); // accepts, reads, never answers
    const silentPort = await freePort();
    await new Promise<void>((resolve) => silent.listen(silentPort, "127.0.0.1", resolve));
    try {
      const hung = await runCli(["flow", "list", "--server", `http://127.0.0.1:${silentPort}`], { env: { ...clean, FERRY_REQUEST_TIMEOUT: "1" } });
      expect(hung).toMatchObject({ code: 4, stderr: `ferry: no answer from the Ferry server at http://127.0.0.1:${silentPort} within 1 s (FERRY_REQUEST_TIMEOUT)\n` });
      const badTimeout = await runCli(["flow", "list", "--server", `http://127.0.0.1:${silentPort}`], { env: { ...clean, FERRY_REQUEST_TIMEOUT: "soon" } });
      expect(badTimeout).toMatchObject({ code: 2, stderr: "ferry: FERRY_REQUEST_TIMEOUT='soon' is not a number of seconds above 0\n" });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 120_000);

  it("something else answering at the URL (a web page) is exit 1, said in one line", async () => {
    const other = createHttpServer((_, res) => res.writeHead(404, { "content-type": "text/html" }).end("<!DOCTYPE html>\n<html><body><h1>Not Found</h1></body></html>\n"));
    const otherPort = await freePort();
    await new Promise<void>((resolve) => other.listen(otherPort, "127.0.0.1", resolve));
    try {
      const doctor = await runCli(["doctor", "--server", `http://127.0.0.1:${otherPort}`], { env: clean });
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toContain("reached    yes");
      expect(doctor.stdout).toContain(`problem    http://127.0.0.1:${otherPort}/health answered HTTP 404: not a Ferry server, or not a live one`);
      const list = await runCli(["flow", "list", "--server", `http://127.0.0.1:${otherPort}`], { env: clean });
      expect(list).toMatchObject({ code: 1, stderr: "ferry: GET /api/v1/flows/search?size=100: HTTP 404: <!DOCTYPE html>\n" });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  }, 120_000);

  it("an unknown command or flag is exit 2, one line naming it and where to look", async () => {
    expect(await runCli(["executoins", "list"], { env: clean })).toMatchObject({ code: 2, stdout: "", stderr: "ferry: unknown command 'executoins' (Did you mean executions?) (see 'ferry --help')\n" });
    expect(await runCli(["executions", "list", "--sate", "FAILED"], { env: clean })).toMatchObject({ code: 2, stderr: "ferry: unknown option '--sate' (Did you mean --state?) (see 'ferry executions list --help')\n" });
    expect(await runCli(["executions", "get"], { env: clean })).toMatchObject({ code: 2, stderr: "ferry: missing required argument 'id' (see 'ferry executions get --help')\n" });
    const help = await runCli(["--help"], { env: clean });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes:");
    expect(help.stdout).toMatch(/^ {2}4 {2}no Ferry server answered/m);
  }, 120_000);
});
