import { isStorageUri, schema, UserError, z, type RunContext } from "@ferry/sdk";

/*
 * Kestra's HttpConfiguration (`options` of Request and Download), the parts Ferry honours:
 * readTimeout, allowFailed, followRedirects, and auth (BASIC, BEARER, or the deprecated
 * basicAuthUser / basicAuthPassword). Every other key is refused by the strict schema.
 */
const auth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("BASIC"), username: schema.text(), password: schema.text() }),
  z.strictObject({ type: z.literal("BEARER"), token: schema.text() }),
]);

export const httpOptionsSchema = z
  .strictObject({
    readTimeout: schema.duration().optional(),
    allowFailed: schema.bool().optional(),
    followRedirects: schema.bool().default(true),
    auth: auth.optional(),
    basicAuthUser: schema.text().optional(),
    basicAuthPassword: schema.text().optional(),
    ssl: schema.notYet("options.ssl", "fetch checks certificates against the system's trust store; a self-signed server needs its CA there (NODE_EXTRA_CA_CERTS)"),
    timeout: schema.notYet("options.timeout", "use options.readTimeout, the time the whole answer may take"),
    proxy: schema.notYet("options.proxy", "Ferry's HTTP tasks connect directly"),
  })
  .refine((o) => !(o.auth && (o.basicAuthUser !== undefined || o.basicAuthPassword !== undefined)), {
    message: "auth and the deprecated basicAuthUser/basicAuthPassword cannot be used together",
  });
export type HttpOptions = z.infer<typeof httpOptionsSchema>;

/** the Authorization header the options ask for, if any */
export function authorization(options: HttpOptions | undefined): string | undefined {
  if (!options) return undefined;
  const basic = (user: string, password: string) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
  if (options.auth?.type === "BASIC") return basic(options.auth.username, options.auth.password);
  if (options.auth?.type === "BEARER") return `Bearer ${options.auth.token}`;
  if (options.basicAuthUser !== undefined) return basic(options.basicAuthUser, options.basicAuthPassword ?? "");
  return undefined;
}

/** fetch's `redirect` for the options (Kestra follows redirects unless followRedirects is false) */
export const redirectOf = (options: HttpOptions | undefined): RequestRedirect => (options?.followRedirects === false ? "manual" : "follow");

/** a formData value: a text, or a file given as `{content: <storage URI>, name}` (multipart) */
export const formValueSchema = z.union([schema.text(), z.strictObject({ content: z.string().min(1), name: z.string().min(1) })]);
export type FormValue = z.infer<typeof formValueSchema>;

/**
 * Kestra's formData: url-encoded, or with contentType multipart/form-data a multipart body whose
 * parts holding a storage URI (or `{content, name}`) are that file (named after the URI's last
 * segment, or `name`). Returns the body and the content type to send (none for multipart: fetch
 * writes it with its boundary).
 */
export async function formBody(ctx: RunContext, formData: Record<string, FormValue>, contentType: string | undefined): Promise<{ body: BodyInit; contentType?: string }> {
  if (!contentType?.toLowerCase().startsWith("multipart/form-data")) {
    const texts = Object.entries(formData).map(([k, v]) => {
      if (typeof v !== "string") throw new UserError(`formData.${k}: a file part needs contentType multipart/form-data`);
      return [k, v];
    });
    return { body: new URLSearchParams(texts), contentType: "application/x-www-form-urlencoded" };
  }
  const form = new FormData();
  const file = async (uri: string) => new Blob([new Uint8Array(await ctx.getFile(uri))]);
  for (const [key, value] of Object.entries(formData)) {
    if (typeof value !== "string") form.append(key, await file(value.content), value.name);
    else if (isStorageUri(value)) form.append(key, await file(value), value.split("/").pop());
    else form.append(key, value);
  }
  return { body: form };
}

/** Kestra's words for an answer of 400 or more (its HttpClient's HttpResponseFailure), the body after them when there is one */
export const failedResponse = (status: number, body: string | undefined) =>
  `Failed http request with response code '${status}'${body ? ` and body:\n${body.slice(0, 500)}` : ""}`;
