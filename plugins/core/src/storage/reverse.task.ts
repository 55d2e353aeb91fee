import { defineTask, UserError, z } from "@ferry/sdk";
import { extensionOf, freshName } from "./file-names.js";
import { readLines } from "./lines.js";

/** the charsets TextDecoder reads and Kestra's users name (Java's names: UTF-8, ISO-8859-1, US-ASCII…) */
function decoderFor(charset: string): TextDecoder {
  try {
    return new TextDecoder(charset);
  } catch (error) {
    throw new UserError(`charset: unknown charset '${charset}'`, { cause: error });
  }
}

function encode(text: string, charset: string): Uint8Array {
  const name = charset.toLowerCase().replace(/_/g, "-");
  if (name === "utf-8" || name === "utf8") return new TextEncoder().encode(text);
  if (["iso-8859-1", "latin1", "us-ascii", "ascii", "windows-1252"].includes(name)) return Uint8Array.from(text, (c) => Math.min(c.charCodeAt(0), 255));
  throw new UserError(`charset: Ferry writes UTF-8, ISO-8859-1 and US-ASCII; '${charset}' is not supported`);
}

export const reverseTask = defineTask({
  kind: "runnable",
  type: "core.storage.Reverse",
  aliases: ["io.kestra.plugin.core.storage.Reverse", "io.kestra.core.tasks.storages.Reverse"],
  title: "Reverse a file's lines",
  description: "Writes the lines of `from` last line first, each followed by `separator` (a newline by default), read and written in `charset`. The new file keeps the extension of `from`. Outputs `uri`.",
  properties: z.strictObject({
    from: z.string().min(1),
    separator: z.string().default("\n"),
    charset: z.string().min(1).default("UTF-8"),
  }),
  outputs: z.object({ uri: z.string() }),
  async run(ctx, props) {
    const text = decoderFor(props.charset).decode(await ctx.getFile(props.from));
    const lines = readLines(new TextEncoder().encode(text)).reverse();
    const body = encode(lines.map((l) => l + props.separator).join(""), props.charset);
    return { uri: await ctx.putFile(freshName(extensionOf(props.from)), body) };
  },
});
