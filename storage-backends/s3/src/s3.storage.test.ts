import { isUnavailable } from "@ferry/sdk";
import { storageContract } from "@ferry/testkit";
import { startS3rver } from "@ferry/testkit/s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Storage } from "./s3.storage.js";

const server = await startS3rver();
afterAll(() => server.stop());

let buckets = 0;
/** each contract run gets its own bucket, so suites never see each other's keys */
async function freshStorage(extra: Record<string, unknown> = {}) {
  const bucket = await server.createBucket(`contract-${process.pid}-${++buckets}`);
  const storage = createS3Storage({ type: "s3", bucket, endpoint: server.endpoint, ...server.credentials, ...extra });
  await storage.init();
  return storage;
}

storageContract("s3 (s3rver)", () => freshStorage());
storageContract("s3 (s3rver, key prefix, 5 MiB parts)", () => freshStorage({ prefix: "deployments/one", partSize: 5 * 1024 * 1024 }));

// the real thing, when a container engine answers (never on the team's machines: no Docker there)
const { GenericContainer, getContainerRuntimeClient, Wait } = await import("testcontainers");
const engine = await getContainerRuntimeClient().then(
  () => true,
  () => false,
);
if (!engine) console.warn("\n*** SKIPPING the MinIO run of the storage contract: no container engine answers (testcontainers) ***\n");
describe.skipIf(!engine)("on MinIO (testcontainers)", () => {
  let stop: () => Promise<unknown> = async () => undefined;
  let endpoint = "";
  const credentials = { accessKeyId: "ferry-minio", secretAccessKey: "ferry-minio-secret" };
  beforeAll(async () => {
    const container = await new GenericContainer("minio/minio:latest")
      .withCommand(["server", "/data"])
      .withEnvironment({ MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey })
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp("/minio/health/live", 9000))
      .start();
    endpoint = `http://${container.getHost()}:${container.getMappedPort(9000)}`;
    stop = () => container.stop();
  }, 120_000);
  afterAll(async () => stop());
  storageContract("s3 (MinIO)", async () => {
    const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
    const bucket = `contract-${Date.now()}`;
    const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    const storage = createS3Storage({ type: "s3", bucket, endpoint, ...credentials });
    await storage.init();
    return storage;
  });
});

describe("s3 storage", () => {
  it("keeps objects under the configured prefix, keys exactly as given", async () => {
    const bucket = await server.createBucket(`layout-${process.pid}`);
    const storage = createS3Storage({ type: "s3", bucket, endpoint: server.endpoint, ...server.credentials, prefix: "ferry" });
    await storage.put("company/team/_kv/greeting", '"hi"');
    expect(await server.keys(bucket)).toEqual(["ferry/company/team/_kv/greeting"]);
    expect(await storage.list("company")).toEqual(["company/team/_kv/greeting"]);
  });

  it("a 20 MiB stream goes up in parts and comes back byte for byte", async () => {
    const storage = await freshStorage({ partSize: 5 * 1024 * 1024 });
    const chunk = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 20) controller.close();
        else controller.enqueue(chunk);
      },
    });
    expect(await storage.put("big/stream.bin", body)).toEqual({ size: 20 * 1024 * 1024 });
    expect(await storage.size("big/stream.bin")).toBe(20 * 1024 * 1024);
    const back = await storage.get("big/stream.bin");
    expect(Buffer.compare(Buffer.from(back!.subarray(19 * 1024 * 1024)), Buffer.from(chunk))).toBe(0);
  });

  it("refuses to start on a missing bucket, naming the key", async () => {
    const storage = createS3Storage({ type: "s3", bucket: "no-such-bucket", endpoint: server.endpoint, ...server.credentials });
    await expect(storage.init()).rejects.toThrow("invalid configuration at storage.bucket: bucket 'no-such-bucket' does not exist");
  });

  it("an endpoint out of reach is an operational error (the start is retried, a task may retry)", async () => {
    const storage = createS3Storage({ type: "s3", bucket: "any", endpoint: "http://127.0.0.1:9", ...server.credentials });
    const error = await storage.init().catch((e: unknown) => e);
    expect(isUnavailable(error)).toBe(true);
    await expect(storage.get("some/key")).rejects.toThrow(/S3 storage: reading some\/key failed/);
  });

  it("rejects bad options naming them", () => {
    expect(() => createS3Storage({ type: "s3" })).toThrow(/bucket/);
    expect(() => createS3Storage({ type: "s3", bucket: "b", prefix: "/abs" })).toThrow(/must not start or end/);
    expect(() => createS3Storage({ type: "s3", bucket: "b", partSize: 1024 })).toThrow();
    expect(() => createS3Storage({ type: "s3", bucket: "b", endpoint: "not a url" })).toThrow();
    // what `${FERRY_S3_ENDPOINT}` gives when unset on AWS: no endpoint, no key pair
    expect(() => createS3Storage({ type: "s3", bucket: "b", endpoint: "", accessKeyId: "", secretAccessKey: "" })).not.toThrow();
  });
});
