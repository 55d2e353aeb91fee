import { startS3rver, type S3TestServer } from "@ferry/testkit/s3rver";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { freePort, REPO_ROOT, runCli } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth, type Proc } from "./support/processes.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const CONFIG = join(REPO_ROOT, "examples/deploy/ferry.yaml");

/**
 * examples/deploy without containers: the commands its README gives (and its compose file
 * runs), with its ferry.yaml, on the machine's PostgreSQL and Redis.
 */
describe.skipIf(!POSTGRES_URL || !REDIS_URL)("examples/deploy, run as its README says, without containers", () => {
  let db: { url: string; drop(): Promise<void> };
  let s3: S3TestServer;
  let bucket: string;
  const procs: Proc[] = [];
  let env: Record<string, string>;
  let url: string;
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    s3 = await startS3rver();
    bucket = await s3.createBucket("ferry-deploy");
    const port = await freePort();
    env = {
      FERRY_PORT: String(port),
      FERRY_DATABASE_URL: db.url,
      FERRY_REDIS_URL: REDIS_URL!,
      FERRY_REDIS_PREFIX: `ferry-it-deploy-${Date.now().toString(36)}`,
      FERRY_S3_ENDPOINT: s3.endpoint,
      FERRY_S3_BUCKET: bucket,
      FERRY_S3_ACCESS_KEY: s3.credentials.accessKeyId,
      FERRY_S3_SECRET_KEY: s3.credentials.secretAccessKey,
      FERRY_API_TOKEN: "deploy-example-token-0123",
      FERRY_SECRETS_KEY: Buffer.alloc(32, 8).toString("base64"),
      FERRY_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString("base64"),
    };
    url = `http://127.0.0.1:${port}`;
  }, 30_000);
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await db?.drop();
    await s3?.stop();
  });

  it("config check passes with the environment the compose file sets, and names what is missing without it", async () => {
    expect((await runCli(["config", "check", "-c", CONFIG], { env })).stdout).toContain("configuration OK");
    const missing = await runCli(["config", "check", "-c", CONFIG], { env: { ...env, FERRY_API_TOKEN: "" } });
    expect(missing.code).toBe(1);
  });

  it("the server and a worker start from it, and run a flow behind the bearer token", async () => {
    procs.push(startProcess(process.execPath, [FERRY, "server", "scheduler", "--config", CONFIG], { cwd: REPO_ROOT, env }));
    await waitForHealth(url);
    const worker = startProcess(process.execPath, [FERRY, "server", "worker", "--config", CONFIG, "--concurrency", "8"], { cwd: REPO_ROOT, env });
    procs.push(worker);
    await worker.waitFor(/ferry worker started/);
    const auth = { authorization: `Bearer ${env.FERRY_API_TOKEN}` };
    expect((await fetch(`${url}/api/v1/flows/search`)).status).toBe(401);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const flow = "id: deployed\nnamespace: it.deploy\ntasks:\n  - { id: hi, type: core.Log, message: deployed }\n  - { id: out, type: core.OutputValues, values: { where: s3 } }\n";
    expect((await fetch(`${url}/api/v1/flows`, { method: "POST", body: flow, headers: { ...auth, "content-type": "application/x-yaml" } })).status).toBe(200);
    const ended = (await (await fetch(`${url}/api/v1/executions/it.deploy/deployed?wait=true`, { method: "POST", headers: auth })).json()) as {
      id: string; state: { current: string }; taskRunList: Array<{ outputs: unknown }>;
    };
    expect(ended.state.current).toBe("SUCCESS");
    // the worker wrote the outputs to the bucket, and the server read them back from it
    expect(ended.taskRunList[1].outputs).toEqual({ values: { where: "s3" } });
    expect((await s3.keys(bucket)).filter((k) => k.includes(ended.id)).length).toBeGreaterThan(0);
  }, 60_000);
});
