import {
  DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { assertSafeKey, defineBackend, openAndClose, OperationalError, parseBackendOptions, UserError, type Storage, type StorageBody } from "@ferry/sdk";
import { z } from "zod";

/** an empty value (`${FERRY_S3_ENDPOINT}` left unset as "") means the option is not given */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/** the storage section's keys besides `type` */
export const s3StorageOptions = z.strictObject({
  bucket: z.string().min(1),
  region: z.string().min(1).default("us-east-1"),
  /** an S3-compatible endpoint (MinIO, R2, …); AWS itself needs none */
  endpoint: optional(z.url()),
  /** bucket in the path rather than the host name: what MinIO and most S3-compatible servers want */
  forcePathStyle: z.boolean().optional(),
  /** without them the AWS SDK's default chain answers (environment, profile, instance role) */
  accessKeyId: optional(z.string()),
  secretAccessKey: optional(z.string()),
  sessionToken: optional(z.string()),
  /** every key is stored below this prefix, so several deployments can share one bucket */
  prefix: optional(z.string().regex(/^[^/].*[^/]$|^[^/]$/, "a prefix must not start or end with '/'")),
  /** objects larger than this go up in parts of this size (S3's minimum is 5 MiB) */
  partSize: z.number().int().min(5 * 1024 * 1024).default(8 * 1024 * 1024),
});
export type S3StorageOptions = z.infer<typeof s3StorageOptions>;

/**
 * Internal storage in an S3 bucket (AWS S3, MinIO, R2, any S3-compatible endpoint).
 * S3 replaces an object atomically on PUT, so a reader sees the old or the new bytes, as
 * the Storage contract asks. Large and streamed bodies go up as multipart uploads
 * (`@aws-sdk/lib-storage`), never whole in memory.
 */
export class S3Storage implements Storage {
  private readonly client: S3Client;
  private readonly root: string;

  constructor(private readonly options: S3StorageOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      credentials: options.accessKeyId && options.secretAccessKey
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken }
        : undefined,
      // without it streamed bodies are stored with their aws-chunked framing by some servers (TOOLCHAIN.md)
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    this.root = options.prefix ? `${options.prefix}/` : "";
  }

  private objectKey(key: string): string {
    return this.root + assertSafeKey(key);
  }

  /** checks the bucket answers, so a wrong bucket or credentials stop the process at start, naming the key */
  async init(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) throw new UserError(`invalid configuration at storage.bucket: bucket '${this.options.bucket}' does not exist`, { cause: error });
      if (status === 401 || status === 403) throw new UserError("invalid configuration at storage.accessKeyId: the S3 endpoint refused the credentials", { cause: error });
      throw wrap(error, `S3 bucket '${this.options.bucket}'`);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async put(key: string, body: StorageBody): Promise<{ size: number }> {
    const Key = this.objectKey(key);
    const Bucket = this.options.bucket;
    try {
      if (!(body instanceof ReadableStream)) {
        const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
        if (bytes.byteLength <= this.options.partSize) {
          await this.client.send(new PutObjectCommand({ Bucket, Key, Body: bytes, ContentLength: bytes.byteLength }));
          return { size: bytes.byteLength };
        }
        await new Upload({ client: this.client, params: { Bucket, Key, Body: bytes }, partSize: this.options.partSize }).done();
        return { size: bytes.byteLength };
      }
      let size = 0;
      const counted = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            size += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
      await new Upload({ client: this.client, params: { Bucket, Key, Body: counted }, partSize: this.options.partSize }).done();
      return { size };
    } catch (error) {
      throw wrap(error, `writing ${key}`);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const body = await this.getObject(key);
    return body && (await body.transformToByteArray());
  }

  async getStream(key: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const body = await this.getObject(key);
    return body?.transformToWebStream() as ReadableStream<Uint8Array> | undefined;
  }

  private async getObject(key: string) {
    const Key = this.objectKey(key);
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key }));
      return answer.Body;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(error, `reading ${key}`);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    const Key = this.objectKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw wrap(error, `reading ${key}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const below = prefix ? `${this.objectKey(prefix.replace(/\/+$/, ""))}/` : this.root;
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: below, ContinuationToken }));
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(this.root.length));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    } catch (error) {
      throw wrap(error, `listing ${prefix}`);
    }
    // S3 orders by UTF-8 bytes; the contract orders as JavaScript sorts strings
    return keys.sort();
  }

  async delete(key: string): Promise<boolean> {
    // S3 answers a delete of a missing key with success: ask first, the contract wants to know
    if (!(await this.exists(key))) return false;
    await this.deleteKeys([this.objectKey(key)], key);
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    // never the whole bucket: an empty prefix is as unsafe here as in every other storage
    assertSafeKey(prefix.replace(/\/+$/, ""));
    const keys = await this.list(prefix);
    await this.deleteKeys(keys.map((k) => this.root + k), prefix);
    return keys.length;
  }

  /** DeleteObjects takes at most 1,000 keys a request */
  private async deleteKeys(objectKeys: string[], what: string): Promise<void> {
    try {
      for (let at = 0; at < objectKeys.length; at += 1000) {
        const Objects = objectKeys.slice(at, at + 1000).map((Key) => ({ Key }));
        const answer = await this.client.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects, Quiet: true } }));
        const failed = answer.Errors?.[0];
        if (failed) throw new OperationalError(`S3 could not delete ${failed.Key}: ${failed.Code} ${failed.Message ?? ""}`.trim());
      }
    } catch (error) {
      throw wrap(error, `deleting ${what}`);
    }
  }
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof S3ServiceException) return error.$metadata.httpStatusCode;
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** S3 errors the caller cannot fix are operational (transient: a task's retry may cure them) */
function wrap(error: unknown, what: string): Error {
  if (error instanceof UserError || error instanceof OperationalError) return error;
  const status = statusOf(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new OperationalError(`S3 storage: ${what} failed${status ? ` (${status})` : ""}: ${reason}`, { cause: error });
}

export const s3StorageBackend = defineBackend({
  kind: "storage",
  type: "s3",
  description: "objects in an S3 bucket (AWS S3, MinIO, R2, any S3-compatible endpoint)",
  configSchema: s3StorageOptions,
  create: (options) => new S3Storage(options),
  /** HEAD on the bucket, as init() does: reaches the endpoint, checks bucket and credentials, writes nothing */
  check: (options) => openAndClose(new S3Storage(options)),
});

/** `{ type: "s3", bucket, … }` → an S3Storage (what configuration does, for code and tests) */
export function createS3Storage(options: unknown): S3Storage {
  return new S3Storage(parseBackendOptions(s3StorageBackend, options));
}
