import { defineTask, errorMessage, UserError, z } from "@ferry/sdk";
import { isTruthyText } from "../flow/truth.js";
import { freshName } from "./file-names.js";
import { readItems, renderWithItem } from "./item-expressions.js";

type Action = "INCLUDE" | "EXCLUDE";

export const filterItemsTask = defineTask({
  kind: "runnable",
  type: "core.storage.FilterItems",
  aliases: ["io.kestra.plugin.core.storage.FilterItems", "io.kestra.core.tasks.storages.FilterItems"],
  title: "Filter the items of an Ion file",
  description:
    "Reads `from`, an Ion file of one item per line, and renders `filterCondition` for each item with its fields as variables; a result of '', 'false', '0' or '-0' is false. " +
    "`filterType` INCLUDE keeps matching items, EXCLUDE drops them. When the expression fails or gives null, `errorOrNullBehavior` FAIL fails the task, INCLUDE keeps the item, EXCLUDE drops it. " +
    "Outputs `uri` (an .ion file), `processedItemsTotal` and `droppedItemsTotal`.",
  properties: z.strictObject({
    from: z.string().min(1),
    filterCondition: z.string().min(1),
    filterType: z.enum(["INCLUDE", "EXCLUDE"]).default("INCLUDE"),
    errorOrNullBehavior: z.enum(["FAIL", "INCLUDE", "EXCLUDE"]).default("FAIL"),
  }),
  rawProperties: ["filterCondition"],
  outputs: z.object({ uri: z.string(), processedItemsTotal: z.number(), droppedItemsTotal: z.number() }),
  async run(ctx, props) {
    const items = await readItems(ctx, props.from);
    const kept: string[] = [];
    for (const item of items) {
      let action: Action = props.filterType;
      let rendered: unknown;
      let failure: unknown;
      try {
        rendered = await renderWithItem(ctx, props.filterCondition, item);
      } catch (error) {
        failure = error;
      }
      if (rendered === null || rendered === undefined) {
        if (props.errorOrNullBehavior === "FAIL") {
          if (failure) throw new UserError(`filterCondition failed on item ${item.line}: ${errorMessage(failure)}`, { cause: failure });
          throw new UserError(`Expression \`${props.filterCondition}\` return \`null\` on item \`${item.line}\``);
        }
        action = props.errorOrNullBehavior;
      } else if (!isTruthyText(String(rendered))) {
        action = action === "INCLUDE" ? "EXCLUDE" : "INCLUDE";
      }
      if (action === "INCLUDE") kept.push(item.line);
    }
    const body = kept.map((line) => `${line}\n`).join("");
    return { uri: await ctx.putFile(freshName(".ion"), body), processedItemsTotal: items.length, droppedItemsTotal: items.length - kept.length };
  },
});
