import type { RunContext } from "@ferry/sdk";
import { readLines } from "./lines.js";
import { parseIonLine } from "./ion.js";

/** one item of an Ion file: its line as written, and its value */
export interface Item {
  line: string;
  value: unknown;
}

/** the items of an Ion file, one per line (blank lines skipped) */
export async function readItems(ctx: RunContext, uri: string): Promise<Item[]> {
  return readLines(await ctx.getFile(uri))
    .filter((line) => line.trim() !== "")
    .map((line) => ({ line, value: parseIonLine(line) }));
}

/** renders `expression` with the item's fields as variables, as Kestra renders it (`{{ customer_email }}`) */
export async function renderWithItem(ctx: RunContext, expression: string, item: Item): Promise<unknown> {
  const fields = item.value && typeof item.value === "object" && !Array.isArray(item.value) ? (item.value as Record<string, unknown>) : {};
  return ctx.render(expression, fields);
}
