import { defineTask, isStorageUri, UserError, z } from "@ferry/sdk";
import { extensionOf, freshName } from "../storage/file-names.js";
import { readLines } from "../storage/lines.js";
import { readableBytes, splitLines, type SplitRule } from "../storage/split-lines.js";
import { batchSchema } from "./for-each-item-batch.js";

export const SPLIT_TYPE = "core.ForEachItemSplit";

/** Kestra's ForEachItem$ForEachItemSplit: the `<id>_split` step of a ForEachItem, which makes it; not for flows to name */
export const forEachItemSplitTask = defineTask({
  kind: "runnable",
  internal: true,
  type: SPLIT_TYPE,
  aliases: ["io.kestra.plugin.core.flow.ForEachItem$ForEachItemSplit"],
  title: "ForEachItem: cut the items into batches",
  description: "The first step of core.ForEachItem: cuts `items` into one file per batch, and outputs `splits`, a file listing their URIs, one per line.",
  properties: z.strictObject({ items: z.string(), batch: batchSchema.default({ separator: "\n" }) }),
  outputs: z.object({ splits: z.string() }),
  async run(ctx, props) {
    if (!isStorageUri(props.items)) throw new UserError(`Unable to split the items from ${props.items}, this is not an internal storage URI!`);
    const { batch } = props;
    let rule: SplitRule;
    if (batch.regexPattern !== undefined) rule = { regex: new RegExp(batch.regexPattern) };
    else if (batch.bytes !== undefined) rule = { bytes: Math.max(1, readableBytes(batch.bytes)) };
    else if (batch.partitions !== undefined) rule = { partitions: batch.partitions };
    else rule = { rows: batch.rows ?? 1 };
    const extension = extensionOf(props.items);
    const uris: string[] = [];
    for (const file of splitLines(readLines(await ctx.getFile(props.items)), rule, batch.separator)) {
      uris.push(await ctx.putFile(freshName(extension), file.map((line) => line + batch.separator).join("")));
    }
    return { splits: await ctx.putFile("splits.txt", uris.join("\n")) };
  },
});
