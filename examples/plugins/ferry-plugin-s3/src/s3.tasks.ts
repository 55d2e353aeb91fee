import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { connectionProperty, defineTask, errorMessage, OperationalError, schema, UserError, z } from "@ferry/sdk";
import { openS3, type S3ConnectionValues } from "./s3.connection.js";

const connection = connectionProperty<S3ConnectionValues>("s3");
const key = z.string().min(1).max(1024);

/** runs fn with a client on the connection; S3's 4xx are the flow's to fix (UserError), the rest transient */
async function withS3<T>(values: S3ConnectionValues, what: string, signal: AbortSignal, fn: (client: S3Client, bucket: string) => Promise<T>): Promise<T> {
  const client = openS3(values);
  try {
    return await fn(client, values.bucket);
  } catch (error) {
    if (signal.aborted || error instanceof UserError) throw error;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const message = `${what} in bucket ${values.bucket}: ${status ? `HTTP ${status} ` : ""}${errorMessage(error)}`;
    throw status && status < 500 ? new UserError(message, { cause: error }) : new OperationalError(message, { cause: error });
  } finally {
    client.destroy();
  }
}

export const uploadTask = defineTask({
  kind: "runnable",
  type: "s3.Upload",
  title: "Upload to S3",
  description: "Puts a file of the execution (`from`, a ferry:// URI) into the connection's bucket at `key`.",
  properties: z.strictObject({ connection, from: z.string().min(1), key, contentType: z.string().optional() }),
  outputs: z.object({ key: z.string(), size: z.number() }),
  async run(ctx, props) {
    const body = await ctx.getFile(props.from);
    await withS3(props.connection.values, `uploading ${props.key}`, ctx.signal, (client, Bucket) =>
      client.send(new PutObjectCommand({ Bucket, Key: props.key, Body: body, ContentType: props.contentType }), { abortSignal: ctx.signal }),
    );
    ctx.logger.info(`uploaded ${body.length} bytes to ${props.key}`);
    return { key: props.key, size: body.length };
  },
});

export const downloadTask = defineTask({
  kind: "runnable",
  type: "s3.Download",
  title: "Download from S3",
  description: "Gets an object of the connection's bucket into the execution's files: `uri` (ferry://) and `size`.",
  properties: z.strictObject({ connection, key }),
  outputs: z.object({ uri: z.string(), size: z.number() }),
  async run(ctx, props) {
    const bytes = await withS3(props.connection.values, `downloading ${props.key}`, ctx.signal, async (client, Bucket) => {
      const answer = await client.send(new GetObjectCommand({ Bucket, Key: props.key }), { abortSignal: ctx.signal });
      return answer.Body!.transformToByteArray();
    });
    const name = props.key.split("/").pop() || "object";
    return { uri: await ctx.putFile(name, bytes), size: bytes.length };
  },
});

export const listTask = defineTask({
  kind: "runnable",
  type: "s3.List",
  title: "List S3 objects",
  description: "The objects of the connection's bucket under `prefix`, at most `maxKeys`, with their size and last modification.",
  properties: z.strictObject({ connection, prefix: z.string().default(""), maxKeys: schema.int({ min: 1, max: 1000 }).default(1000) }),
  outputs: z.object({ objects: z.array(z.object({ key: z.string(), size: z.number(), lastModified: z.string() })) }),
  async run(ctx, props) {
    const answer = await withS3(props.connection.values, `listing ${props.prefix || "objects"}`, ctx.signal, (client, Bucket) =>
      client.send(new ListObjectsV2Command({ Bucket, Prefix: props.prefix || undefined, MaxKeys: props.maxKeys }), { abortSignal: ctx.signal }),
    );
    const objects = (answer.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified?.toISOString() ?? "" }));
    return { objects };
  },
});

export const deleteTask = defineTask({
  kind: "runnable",
  type: "s3.Delete",
  title: "Delete an S3 object",
  description: "Deletes an object of the connection's bucket (S3 answers the same whether it was there or not).",
  properties: z.strictObject({ connection, key }),
  outputs: z.object({ key: z.string() }),
  async run(ctx, props) {
    await withS3(props.connection.values, `deleting ${props.key}`, ctx.signal, (client, Bucket) => client.send(new DeleteObjectCommand({ Bucket, Key: props.key }), { abortSignal: ctx.signal }));
    return { key: props.key };
  },
});
