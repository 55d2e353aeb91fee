import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { extensionOf, freshName } from "./file-names.js";
import { readLines } from "./lines.js";
import { readableBytes, splitLines, type SplitRule } from "./split-lines.js";

export const splitTask = defineTask({
  kind: "runnable",
  type: "core.storage.Split",
  aliases: ["io.kestra.plugin.core.storage.Split", "io.kestra.core.tasks.storages.Split"],
  title: "Split a file",
  description:
    "Splits the lines of `from` into several files, by `regexPattern` (lines grouped by the pattern's first capture group, others dropped), else `bytes` (`10MB`), " +
    "else `partitions` (round robin), else `rows` — the first one set, in that order, as Kestra reads them. Each line is written followed by `separator` " +
    "(a newline by default); the files keep the extension of `from`. Outputs `uris`.",
  properties: z.strictObject({
    from: z.string().min(1),
    bytes: schema.text().optional(),
    partitions: schema.int({ min: 1 }).optional(),
    rows: schema.int({ min: 1 }).optional(),
    regexPattern: z.string().min(1).optional(),
    separator: z.string().default("\n"),
  }).refine((p) => [p.bytes, p.partitions, p.rows, p.regexPattern].some((v) => v !== undefined), {
    message: "Invalid configuration with no size, count, rows, nor regexPattern: set one of bytes, partitions, rows or regexPattern",
  }),
  outputs: z.object({ uris: z.array(z.string()) }),
  async run(ctx, props) {
    let rule: SplitRule;
    if (props.regexPattern !== undefined) {
      try {
        rule = { regex: new RegExp(props.regexPattern) };
      } catch (error) {
        throw new UserError(`regexPattern: ${(error as Error).message}`, { cause: error });
      }
    } else if (props.bytes !== undefined) {
      const bytes = readableBytes(props.bytes);
      if (bytes < 1) throw new UserError("bytes: must be at least 1");
      rule = { bytes };
    } else if (props.partitions !== undefined) rule = { partitions: props.partitions };
    else if (props.rows !== undefined) rule = { rows: props.rows };
    else throw new UserError("Invalid configuration with no size, count, rows, nor regexPattern: set one of bytes, partitions, rows or regexPattern");
    const lines = readLines(await ctx.getFile(props.from));
    const extension = extensionOf(props.from);
    const uris: string[] = [];
    for (const file of splitLines(lines, rule, props.separator)) {
      uris.push(await ctx.putFile(freshName(extension), file.map((line) => line + props.separator).join("")));
    }
    return { uris };
  },
});
