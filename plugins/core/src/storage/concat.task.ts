import { defineTask, isStorageUri, UserError, z } from "@ferry/sdk";
import { freshName } from "./file-names.js";
import { concatBytes, utf8 } from "./lines.js";

/** a list of URIs, or a JSON text of one (Kestra accepts both) */
const files = z.union([z.array(z.string()), z.string()]);

function fileList(value: z.infer<typeof files>): string[] {
  if (Array.isArray(value)) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UserError(`files: expected a list of ferry:// URIs or a JSON text of one, got ${JSON.stringify(value.slice(0, 80))}`, { cause: error });
  }
  if (!Array.isArray(parsed) || !parsed.every((f) => typeof f === "string")) throw new UserError("files: the JSON text must be a list of ferry:// URIs");
  return parsed;
}

export const concatTask = defineTask({
  kind: "runnable",
  type: "core.storage.Concat",
  aliases: ["io.kestra.plugin.core.storage.Concat", "io.kestra.core.tasks.storages.Concat"],
  title: "Concatenate files",
  description:
    "Writes the `files` (a list of ferry:// URIs, or a JSON text of one) one after the other into a new file named with `extension` (`.tmp` by default). " +
    "`separator` is written after each file, the last one included, as Kestra does. Outputs `uri`.",
  properties: z.strictObject({
    files,
    separator: z.string().optional(),
    extension: z.string().min(1).default(".tmp"),
  }),
  outputs: z.object({ uri: z.string() }),
  async run(ctx, props) {
    const chunks: Uint8Array[] = [];
    for (const uri of fileList(props.files)) {
      if (!isStorageUri(uri)) throw new UserError(`files: '${uri}' is not a ferry:// URI`);
      chunks.push(await ctx.getFile(uri));
      if (props.separator !== undefined) chunks.push(utf8(props.separator));
    }
    return { uri: await ctx.putFile(freshName(props.extension), concatBytes(chunks)) };
  },
});
