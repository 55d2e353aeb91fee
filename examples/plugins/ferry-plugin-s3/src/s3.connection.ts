import { S3Client, HeadBucketCommand } from "@aws-sdk/client-s3";
import { defineConnectionType, errorMessage, schema, UserError, z } from "@ferry/sdk";

export const s3ConnectionValues = z.strictObject({
  bucket: z.string().min(3).max(63),
  region: z.string().min(1).default("us-east-1"),
  /** an S3-compatible service (MinIO, s3rver, R2); AWS when absent */
  endpoint: z.url().optional(),
  /** bucket in the path rather than the host name, as MinIO and most compatible services want */
  forcePathStyle: schema.bool().default(false),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().min(1).optional(),
});

export type S3ConnectionValues = z.infer<typeof s3ConnectionValues>;

/** a client on the connection; streamed bodies are sent without aws-chunked framing, which compatible services store as is */
export function openS3(values: S3ConnectionValues): S3Client {
  return new S3Client({
    region: values.region, endpoint: values.endpoint, forcePathStyle: values.forcePathStyle, requestChecksumCalculation: "WHEN_REQUIRED",
    credentials: { accessKeyId: values.accessKeyId, secretAccessKey: values.secretAccessKey, sessionToken: values.sessionToken },
  });
}

/** An S3 bucket (or a compatible service's): where, and the key pair to reach it, its secret from Ferry's secrets. */
export const s3ConnectionType = defineConnectionType({
  type: "s3",
  title: "S3 bucket",
  description: "bucket, region, endpoint and forcePathStyle for S3-compatible services, accessKeyId, secretAccessKey (a secret) and sessionToken (a secret).",
  schema: s3ConnectionValues,
  secretFields: ["secretAccessKey", "sessionToken"],
  async test(values, { signal }) {
    const client = openS3(values);
    try {
      await client.send(new HeadBucketCommand({ Bucket: values.bucket }), { abortSignal: signal });
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new UserError(`bucket ${values.bucket}${values.endpoint ? ` at ${values.endpoint}` : ""}: ${status ? `HTTP ${status}` : errorMessage(error)}`, { cause: error });
    } finally {
      client.destroy();
    }
  },
});
