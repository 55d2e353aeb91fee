import { defineTask, JavaDouble, schema, UserError, z, type FlowableBranch, type FlowableContext, type LoopItem } from "@ferry/sdk";
import { parseIonLine } from "../storage/ion.js";
import { iterationValues } from "./for-each.task.js";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

const OUTPUT_TYPES = ["STRING", "INT", "FLOAT", "BOOLEAN", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "FILE", "SELECT", "MULTISELECT", "ARRAY", "URI", "EMAIL", "SECRET", "ENUM"] as const;

/** a value exposed after the loop, rendered against each iteration (a flow output's shape, as Kestra's Loop takes io.kestra.core.models.flows.Output) */
const loopOutput = z.strictObject({
  id: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, "an output id starts with a letter or _, then letters, digits, _ or -"),
  type: z.enum(OUTPUT_TYPES),
  value: z.custom((v) => v !== undefined, "an output needs a value"),
  description: z.string().optional(),
  displayName: z.string().optional(),
  required: z.boolean().optional(),
});

/** a storage URI: Kestra reads such `values` as a file, one iteration per line */
const FILE_URI = /^(kestra|ferry):\/\//;

/**
 * Kestra's FlowableUtils.resolveValues for a Loop: a list (its items as text, duplicates
 * dropped), a map (one iteration per entry, `item.key` its key), or a JSON text of either.
 * A null item, or an item neither text, number nor map, is refused as Kestra refuses it.
 */
export function loopItems(raw: unknown): LoopItem[] {
  if (typeof raw === "string") {
    if (isFileUri(raw)) throw new UserError(`Loop 'values' ${raw.trim()} is a file: read it with fileItems`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new UserError(`Loop 'values' must be a list, a map, or a JSON text of one, not ${JSON.stringify(raw).slice(0, 100)}`);
    }
    if (Array.isArray(parsed)) return distinct(parsed.map((v) => jsonItem(v, raw)));
    if (parsed && typeof parsed === "object") return Object.entries(parsed).map(([key, v], index) => ({ index, key, value: jsonItem(v, raw) }));
    throw new UserError(`Loop 'values': unknown value type ${parsed === null ? "null" : typeof parsed}`);
  }
  if (Array.isArray(raw)) return distinct(raw.map((v) => listItem(v, raw)));
  if (raw && typeof raw === "object") return Object.entries(raw).map(([key, v], index) => ({ index, key, value: listItem(v, raw) }));
  throw new UserError(`Loop 'values' must be a list, a map, or a JSON text of one, not ${raw === null || raw === undefined ? "null" : JSON.stringify(raw).slice(0, 100)}`);
}

const isFileUri = (raw: unknown): raw is string => typeof raw === "string" && FILE_URI.test(raw.trim()) && !/['\s]/.test(raw.trim());

/**
 * Kestra's Loop.initFromUri: `values` naming a file of internal storage (an Ion file, as a
 * Write or a query makes) iterates over its lines, one value each: text as is, anything else as
 * JSON. The file is read as the flow's tasks read files (read(): this execution's or its namespace's).
 * Each item's `end` is the byte just past its line (its \n, or the file's end): Kestra's
 * FlowableUtils.readAndCountLoopValuesFromUri and readLoopValuesFromUri answer it as the
 * offset to read the next value from, which the Loop keeps as its `nextOffset` output.
 */
export async function fileItems(ctx: Pick<FlowableContext, "render">, uri: string): Promise<Array<LoopItem & { end: number }>> {
  const text = await ctx.render(`{{ read('${uri.trim()}') }}`);
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : (text as Uint8Array);
  const decoder = new TextDecoder();
  const items: Array<LoopItem & { end: number }> = [];
  // one iteration per non-empty line, a repeated line as often as it is there: readAndCountLoopValuesFromUri counts
  // lines split on \n (resolveValues' dropping of a list's duplicates is not applied to a file); each iteration is a
  // sub-execution of its own, so its value keys nothing
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(0x0a, start);
    const stop = newline < 0 ? bytes.length : newline;
    const end = newline < 0 ? bytes.length : newline + 1;
    const line = decoder.decode(bytes.subarray(start, stop)).replace(/\r$/, "");
    start = end;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = parseIonLine(line);
    } catch (error) {
      throw new UserError(`Loop 'values' ${uri.trim()}: a line is not Ion (${(error as Error).message}): ${line.slice(0, 100)}`);
    }
    items.push({ index: items.length, value: jsonItem(value, uri.trim()), end });
  }
  return items;
}

const nullItem = (values: unknown) => new UserError(`Found a null value inside the iteration values=${JSON.stringify(values)}`);

/** an item of a JSON text: text as is, anything else as JSON */
function jsonItem(value: unknown, values: unknown): string {
  if (value === null || value === undefined) throw nullItem(values);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** an item of a YAML list or map (Kestra's valueAsString): text, a number, or a map as JSON */
function listItem(value: unknown, values: unknown): string {
  if (value === null || value === undefined) throw nullItem(values);
  if (typeof value === "string") return value;
  if (typeof value === "number" || value instanceof JavaDouble) return String(value);
  if (typeof value === "object" && !Array.isArray(value)) return JSON.stringify(value);
  throw new UserError(`Unknown value element type: ${Array.isArray(value) ? "list" : typeof value} (${JSON.stringify(value)}) in Loop 'values'`);
}

function distinct(values: string[]): LoopItem[] {
  return [...new Set(values)].map((value, index) => ({ index, value }));
}

/**
 * The iteration's task runs are keyed by their value: a list's items are distinct already,
 * a map's keys are; so a list iterates under its values, a map under its keys.
 */
export function loopBranches(items: LoopItem[]): FlowableBranch[] {
  return items.map((item) => ({ path: ["tasks"], value: item.key ?? item.value, item }));
}

export const loopTask = defineTask({
  kind: "flowable",
  type: "core.Loop",
  aliases: ["io.kestra.plugin.core.flow.Loop"],
  title: "Run tasks for each value, each iteration on its own",
  description:
    "Kestra's Loop: runs `tasks` once per value of `values` (a list, a map, a JSON text of one, or a storage file: one value per Ion line); every task below reads `item.index` (from 0), `item.value`, " +
    "`item.key` (a map's) and, in nested loops, `item.parent` and `item.parents`. Each iteration is a sub-execution of its own (kind LOOP, listed with " +
    "`kind=LOOP` in the executions search): its tasks read the outputs of their own iteration and of the tasks before the loop; the loop's `errors` and `finally` " +
    "run within each iteration. `concurrencyLimit`: 0 (default) runs every iteration at once, N at most N. A failed iteration ends the loop FAILED at once and " +
    "starts no more, those running go on (`transmitFailed: false`: the loop goes on and succeeds). `breakWhen`, rendered after each " +
    "iteration (`item`, `iteration.state`, `iteration.outputs`), stops it. After the loop: `outputs.<id>.iterationCount`, `terminatedIterations`, and with `outputs` " +
    "declared, `outputs.<id>.outputs`: one `{item: {value, iteration, key}, outputs}` per iteration (`fetchType: STORE`: its outputs stored, `{uri}`).",
  properties: z.strictObject({
    values: iterationValues(),
    concurrencyLimit: schema.int({ min: 0 }).default(0),
    transmitFailed: schema.bool().default(true),
    outputs: z.array(loopOutput).optional().describe("rendered at the end of each iteration, against it"),
    fetchType: z.enum(["AUTO", "FETCH", "STORE"]).default("AUTO").describe("AUTO: STORE when `values` is a file, FETCH otherwise"),
    breakWhen: schema.text().optional().describe("rendered after each iteration; truthy starts no more iterations"),
    tasks: taskList().min(1),
    ...handlers,
  }),
  outputs: z.object({
    iterationCount: z.number().int(),
    runningIterations: z.number().int(),
    terminatedIterations: z.record(z.string(), z.number().int()),
    outputs: z.array(z.object({ item: z.object({ value: z.string(), iteration: z.number().int(), key: z.string().optional() }), outputs: z.record(z.string(), z.unknown()) })).optional(),
    nextOffset: z.number().int().optional().describe("`values` read from a file: the byte just past the last value an iteration was started for"),
    taskRunStatistic: z.object({ count: z.number().int(), durationSumMs: z.number(), durationMinMs: z.number(), durationMaxMs: z.number() }).optional().describe("the ended iterations' task runs: how many, and their durations"),
  }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  rawProperties: ["breakWhen", "outputs"],
  examples: [
    {
      title: "Collect a value from each iteration",
      flow:
        "id: loop\nnamespace: company.team\ntasks:\n  - id: loop\n    type: core.Loop\n    values: [alpha, beta]\n    outputs:\n      - id: label\n        type: STRING\n        value: \"{{ outputs.process.value }}\"\n    tasks:\n      - id: process\n        type: core.Return\n        format: \"processed {{ item.value }}\"\n  - id: read\n    type: core.Log\n    message: \"{{ outputs.loop.outputs | jq('.[].outputs.label') }}\"\n",
    },
  ],
  async plan(ctx, props) {
    const fromFile = isFileUri(props.values);
    const fromFileItems = fromFile ? await fileItems(ctx, props.values as string) : undefined;
    const items: LoopItem[] = fromFileItems ? fromFileItems.map(({ end: _, ...item }) => item) : loopItems(props.values);
    // as Kestra's Loop starts: as many running as the limit lets start
    const running = props.concurrencyLimit === 0 ? items.length : Math.min(props.concurrencyLimit, items.length);
    // a file's values: the offset past the last value read so far (Kestra's handleLoop saves it with the first ones)
    const nextOffset = fromFileItems ? { nextOffset: running > 0 ? fromFileItems[running - 1].end : 0 } : {};
    return {
      branches: loopBranches(items),
      concurrency: props.concurrencyLimit,
      outputs: { iterationCount: items.length, runningIterations: running, terminatedIterations: {}, ...nextOffset },
      iterations: {
        ...(fromFileItems ? { offsets: fromFileItems.map((item) => item.end) } : {}),
        transmitFailed: props.transmitFailed,
        ...(props.breakWhen !== undefined ? { breakWhen: props.breakWhen } : {}),
        ...(props.outputs?.length ? { outputs: props.outputs as never } : {}),
        // Kestra's AUTO: STORE for values read from a file (they may be many), FETCH otherwise
        fetchType: props.fetchType === "STORE" || (props.fetchType === "AUTO" && fromFile) ? "STORE" : "FETCH",
      },
    };
  },
});
