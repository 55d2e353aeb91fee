import { isStorageUri, UserError, z, type RunContext } from "@ferry/sdk";

/**
 * A `formData` value, as Kestra's AbstractHttp reads it: a text (with multipart/form-data, a
 * storage URI is sent as a file), a `{name, content}` file (content a storage URI, sent under
 * that file name), or any other value, sent as its JSON.
 */
export const formDataValue = z.unknown();

const isNamedFile = (value: unknown): value is { name: string; content: string } =>
  typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { name?: unknown }).name === "string" && typeof (value as { content?: unknown }).content === "string";

const lastSegment = (uri: string) => uri.slice(uri.lastIndexOf("/") + 1);

/** a stored file's bytes as a multipart file part */
const filePart = async (ctx: Pick<RunContext, "getFile">, uri: string) => new Blob([new Uint8Array(await ctx.getFile(uri))]);

/**
 * The body `formData` makes (AbstractHttp.request): with contentType multipart/form-data a
 * multipart body, fetch writing its boundary; otherwise an urlencoded one, whose values are texts.
 */
export async function formBody(ctx: Pick<RunContext, "getFile">, formData: Record<string, unknown>, contentType: string | undefined): Promise<{ body: BodyInit; contentType?: string }> {
  if (contentType === "multipart/form-data") {
    const form = new FormData();
    for (const [key, value] of Object.entries(formData)) {
      if (typeof value === "string") {
        if (isStorageUri(value)) form.append(key, await filePart(ctx, value), lastSegment(value));
        else form.append(key, value);
      } else if (isNamedFile(value)) {
        form.append(key, await filePart(ctx, value.content), value.name);
      } else {
        form.append(key, JSON.stringify(value));
      }
    }
    return { body: form };
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(formData)) {
    if (typeof value === "object" && value !== null) throw new UserError(`formData.${key}: an object or a list is sent only with contentType multipart/form-data`);
    params.append(key, String(value));
  }
  return { body: params, contentType: "application/x-www-form-urlencoded" };
}
