import { runTask } from "@ferry/testkit";
import { startS3rver, type S3TestServer } from "@ferry/testkit/s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ConnectionType } from "./s3.connection.js";
import { deleteTask, downloadTask, listTask, uploadTask } from "./s3.tasks.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// s3rver: a real HTTP server speaking S3's REST API, through the real AWS SDK
describe("s3 tasks on an s3 connection (example plugin)", () => {
  let s3: S3TestServer;
  let options: Parameters<typeof runTask>[2] & object;
  beforeAll(async () => {
    s3 = await startS3rver();
    const bucket = await s3.createBucket(`ferry-example-${Date.now().toString(36)}`);
    options = {
      secrets: { S3_SECRET: s3.credentials.secretAccessKey },
      connections: { lake: { type: "s3", values: { bucket, endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: s3.credentials.accessKeyId, secretAccessKey: "{{ secret('S3_SECRET') }}" } } },
      connectionTypes: [s3ConnectionType],
      files: { "orders.csv": "id,status\n1,open\n" },
    };
  });
  afterAll(async () => s3?.stop());

  it("uploads a file of the execution, lists it, downloads it back, deletes it", async () => {
    const up = await runTask(uploadTask, { connection: "lake", from: "ferry://test/orders.csv", key: "raw/2026/orders.csv", contentType: "text/csv" }, options);
    expect(up.outputs).toEqual({ key: "raw/2026/orders.csv", size: 17 });
    await runTask(uploadTask, { connection: "lake", from: "ferry://test/orders.csv", key: "other/x.csv" }, options);
    const listed = await runTask(listTask, { connection: "lake", prefix: "raw/" }, options);
    expect(listed.outputs).toEqual({ objects: [{ key: "raw/2026/orders.csv", size: 17, lastModified: expect.any(String) }] });
    const down = await runTask(downloadTask, { connection: "lake", key: "raw/2026/orders.csv" }, options);
    expect(down.outputs).toEqual({ uri: expect.stringMatching(/orders\.csv$/), size: 17 });
    expect(new TextDecoder().decode(down.files[down.outputs!.uri as string])).toBe("id,status\n1,open\n");
    expect((await runTask(deleteTask, { connection: "lake", key: "raw/2026/orders.csv" }, options)).outputs).toEqual({ key: "raw/2026/orders.csv" });
    expect((await runTask(listTask, { connection: "lake" }, options)).outputs).toEqual({ objects: [expect.objectContaining({ key: "other/x.csv" })] });
  });

  it("fails naming the object and S3's answer, and refuses a connection of another type", async () => {
    await expect(runTask(downloadTask, { connection: "lake", key: "absent.csv" }, options)).rejects.toThrow(/^downloading absent.csv in bucket .*: HTTP 404/);
    await expect(runTask(listTask, { connection: "lake" }, { ...options, connections: { lake: { type: "http", values: {} } } })).rejects.toThrow("connection lake (namespace test) is of type http, not s3");
  });

  it("tests a connection: the bucket answers, a missing one is named", async () => {
    const values = s3ConnectionType.schema.parse({ ...options.connections!.lake!.values, secretAccessKey: s3.credentials.secretAccessKey });
    await expect(s3ConnectionType.test!(values, { signal: AbortSignal.timeout(10_000) })).resolves.toBeUndefined();
    await expect(s3ConnectionType.test!({ ...values, bucket: "no-such-bucket-ferry" }, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow(`bucket no-such-bucket-ferry at ${s3.endpoint}: HTTP 404`);
  });
});
