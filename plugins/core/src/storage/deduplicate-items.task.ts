import { defineTask, z } from "@ferry/sdk";
import { freshName } from "./file-names.js";
import { readItems, renderWithItem } from "./item-expressions.js";

export const deduplicateItemsTask = defineTask({
  kind: "runnable",
  type: "core.storage.DeduplicateItems",
  aliases: ["io.kestra.plugin.core.storage.DeduplicateItems", "io.kestra.core.tasks.storages.DeduplicateItems"],
  title: "Deduplicate the items of an Ion file",
  description:
    "Reads `from`, an Ion file of one item per line, renders `expr` for each item with the item's fields as variables (`{{ customer_email }}`), and keeps the last item of each key, in file order. " +
    "Outputs `uri` (an .ion file), `numKeys`, `processedItemsTotal` and `droppedItemsTotal`.",
  properties: z.strictObject({ from: z.string().min(1), expr: z.string().min(1) }),
  rawProperties: ["expr"],
  outputs: z.object({ uri: z.string(), numKeys: z.number(), processedItemsTotal: z.number(), droppedItemsTotal: z.number() }),
  async run(ctx, props) {
    const items = await readItems(ctx, props.from);
    const keys: string[] = [];
    for (const item of items) keys.push(String(await renderWithItem(ctx, props.expr, item)));
    const last = new Map<string, number>();
    keys.forEach((key, i) => last.set(key, i));
    const kept = items.filter((_, i) => last.get(keys[i]) === i);
    const body = kept.map((item) => `${item.line}\n`).join("");
    return { uri: await ctx.putFile(freshName(".ion"), body), numKeys: last.size, processedItemsTotal: items.length, droppedItemsTotal: items.length - kept.length };
  },
});
