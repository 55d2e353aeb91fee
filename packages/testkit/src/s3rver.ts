import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

/**
 * An S3-compatible server for tests and the benchmark: s3rver (npm), a real HTTP server
 * speaking S3's REST API over a folder. It is no AWS, but requests and answers are S3's,
 * through the real AWS SDK. It lacks ListMultipartUploads and AbortMultipartUpload.
 */
export interface S3TestServer {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** makes a bucket and returns its name */
  createBucket(name: string): Promise<string>;
  /** every object key in a bucket, sorted */
  keys(bucket: string): Promise<string[]>;
  stop(): Promise<void>;
}

// s3rver accepts any key pair; these are what its docs use
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export async function startS3rver(): Promise<S3TestServer> {
  // s3rver ships no types; this is the part of its API used here
  const { default: S3rver } = (await import("s3rver" as string)) as { default: new (options: object) => { run(): Promise<AddressInfo>; close(): Promise<void> } };
  const { S3Client, CreateBucketCommand, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const directory = await mkdtemp(join(tmpdir(), "ferry-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // copies: the AWS SDK marks the credentials object it is given (`$source`)
  const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: { ...CREDENTIALS } });
  return {
    endpoint,
    get credentials() {
      return { ...CREDENTIALS };
    },
    async createBucket(name) {
      const bucket = name.toLowerCase().replace(/[^a-z0-9.-]/g, "-").slice(0, 63);
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    async keys(bucket) {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
