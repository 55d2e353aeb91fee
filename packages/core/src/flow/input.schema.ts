import { isDuration } from "@ferry/sdk";
import { z } from "zod";
import { DEPRECATED_SPELLING_OF } from "./deprecated-spellings.js";
import { checkInputValue, checkRules, typeValue, validatorRegex, type InputRules } from "./inputs.js";

/** the types an input or output may declare, as Kestra names them */
export const TYPES = ["STRING", "INT", "FLOAT", "BOOLEAN", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "FILE", "SELECT", "MULTISELECT", "ARRAY", "URI", "EMAIL", "SECRET", "ENUM", "OBJECT", "TABLE"] as const;
/** what an OBJECT's properties cannot be (Kestra's ObjectInput: no OBJECT, TABLE, ARRAY, FORM, FILE, SECRET, JSON, ION or YAML) */
const NOT_PROPERTY_TYPES = new Set(["OBJECT", "TABLE", "ARRAY", "FILE", "SECRET", "JSON", "YAML"]);
/** what a TABLE's columns cannot be (Kestra's TableInput: a scalar or SELECT type, not FILE, SECRET, JSON, ION, YAML, ARRAY, FORM or TABLE) */
const NOT_COLUMN_TYPES = new Set(["OBJECT", "TABLE", "ARRAY", "MULTISELECT", "FILE", "SECRET", "JSON", "YAML"]);

// Kestra's Input.id pattern (^[a-zA-Z0-9][.a-zA-Z0-9_-]*): it starts with a letter or a digit; a
// dotted id (`nested.string`) reads as `inputs.nested.string`, so its parts may not be empty
const ID = z
  .string({ error: (iss) => (iss.input === undefined ? "an input needs an id" : "an input id is text") })
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_-]*(\.[a-zA-Z0-9_][a-zA-Z0-9_-]*)*$/,
    "an input id starts with a letter or a digit, then letters, digits, '_' and '-', in dot-separated parts",
  );
/** properties that are text for people, or templates Ferry renders when an execution starts (resolve-inputs.ts) */
const NOT_RULES = new Set(["description", "displayName", "defaults", "prefill", "expression", "dependsOn"]);
/** what an ARRAY's or a MULTISELECT's items may be: scalar types that need no more declaration */
const ITEM_TYPES = ["STRING", "INT", "FLOAT", "BOOLEAN", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "URI", "EMAIL"] as const;

/** every input carries these, whatever its type */
const common = {
  id: ID,
  description: z.string().optional(),
  displayName: z.string().optional(),
  required: z.boolean().optional(),
  defaults: z.unknown().optional(),
  // the parser moves it to `id` first: left here only when it disagrees with `id`
  name: z
    .never({ error: "'name' is Kestra's deprecated spelling of 'id': give one of them (or both the same)" })
    .optional()
    .meta({ description: "as id (Kestra's deprecated spelling)", [DEPRECATED_SPELLING_OF]: "id" }),
  default: z.never({ error: "the property is 'defaults'" }).optional(),
  dependsOn: z
    .strictObject({
      inputs: z.array(z.string()).optional().describe("the inputs that must have a value before this one is asked for"),
      condition: z.string().optional().describe("a template: the input is asked for only when it renders truthy"),
    })
    .optional(),
  prefill: z
    .unknown()
    .optional()
    .describe("the value the run form starts with, which its user may clear (Kestra's prefill); an execution started without the input never gets it"),
};

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const scalarList = z.array(scalar);
/** Kestra's ValueOption: a value, or `{label, value}` to show a label in the form and give the value to the flow */
const optionList = z.array(z.union([scalar, z.strictObject({ label: scalar.optional(), value: scalar })]));
const itemType = (type: string) =>
  z.enum(ITEM_TYPES, { error: (iss) => `${type} items cannot be ${String(iss.input)}; an itemType is one of ${ITEM_TYPES.join(", ")}` });

/** Kestra's first name for allowCustomValue, renamed before it shipped (kestra-io/kestra#5138) */
const allowInput = () => z.never({ error: "the property is 'allowCustomValue'" }).optional();

const perType = {
  STRING: { validator: z.string().optional() },
  SECRET: { validator: z.string().optional() },
  INT: { min: z.number().int().optional(), max: z.number().int().optional() },
  FLOAT: { min: z.number().optional(), max: z.number().optional() },
  DURATION: { min: z.string().refine(isDuration, "min is not an ISO-8601 duration").optional(), max: z.string().refine(isDuration, "max is not an ISO-8601 duration").optional() },
  DATETIME: { after: z.string().optional(), before: z.string().optional() },
  DATE: { after: z.string().optional(), before: z.string().optional() },
  TIME: { after: z.string().optional(), before: z.string().optional() },
  BOOLEAN: {},
  JSON: {},
  YAML: {},
  URI: {},
  EMAIL: {},
  FILE: {
    allowedFileExtensions: z.array(z.string().min(1)).min(1).optional(),
    extension: z
      .string()
      .optional()
      .describe("ignored: Kestra deprecated it; its 1.x keeps an upload's own file name, the extension naming only a temporary file (allowedFileExtensions checks names)"),
  },
  ENUM: { values: scalarList.min(1) },
  SELECT: {
    values: optionList.min(1).optional(),
    allowCustomValue: z.boolean().optional(),
    allowInput: allowInput(),
    expression: z.string().optional().describe("a template rendering to the list of values, when the execution starts"),
    autoSelectFirst: z.boolean().optional().describe("with no defaults, the first of the values is the default"),
    isRadio: z.boolean().optional().describe("the run form shows the values as radio buttons rather than a drop-down"),
  },
  MULTISELECT: {
    values: optionList.min(1).optional(),
    // normalised to `values` before this schema reads the input; left here only when both are given
    options: z
      .never({ error: "'options' is Kestra's deprecated name for 'values': you can't define both `values` and `options` (Kestra's words, InputsTest.multipleConstraintViolations); give one of them" })
      .optional()
      .meta({ description: "as values (Kestra's deprecated name)", [DEPRECATED_SPELLING_OF]: "values" }),
    itemType: itemType("MULTISELECT").optional(),
    allowCustomValue: z.boolean().optional(),
    allowInput: allowInput(),
    expression: z.string().optional().describe("a template rendering to the list of values, when the execution starts"),
    autoSelectFirst: z.boolean().optional().describe("with no defaults, a list of the first of the values is the default"),
  },
  ARRAY: { itemType: itemType("ARRAY") },
  // each property and column is an input declaration of its own, checked by checkDeclaration
  OBJECT: { properties: z.array(z.unknown(), { error: "an OBJECT needs its properties, a list of input declarations" }).min(1, "an OBJECT needs its properties") },
  TABLE: {
    columns: z.array(z.unknown(), { error: "a TABLE needs its columns, a list of input declarations" }).min(1, "a TABLE needs its columns"),
    rows: z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).optional(),
  },
} satisfies Record<(typeof TYPES)[number], z.ZodRawShape>;

/** the rules of an input make sense together, and its defaults meet them (checked at deploy) */
function checkDeclaration(input: InputRules & { expression?: string }, ctx: z.RefinementCtx): void {
  const where = `input '${input.id}' (${input.type})`;
  if (input.type === "OBJECT" || input.type === "TABLE") {
    const [key, refused, noun] = input.type === "OBJECT" ? (["properties", NOT_PROPERTY_TYPES, "property"] as const) : (["columns", NOT_COLUMN_TYPES, "column"] as const);
    const parts = (input[key] ?? []) as unknown[];
    const seen = new Set<string>();
    for (const [i, raw] of parts.entries()) {
      const parsed = inputSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: [key, i, ...(issue.path as Array<string | number>)], message: `${where}: ${noun} ${i}: ${issue.message}` });
        continue;
      }
      const part = raw as InputRules & { expression?: string };
      if (refused.has(part.type)) ctx.addIssue({ code: "custom", path: [key, i, "type"], message: `${where}: a ${noun} cannot be of type ${part.type}` });
      // Kestra's RecordFieldsValidator, shared by an OBJECT's properties and a TABLE's columns
      for (const property of ["defaults", "prefill", "dependsOn", "expression"] as const) {
        if (part[property] !== undefined) ctx.addIssue({ code: "custom", path: [key, i, property], message: `${where}: a ${noun} cannot declare ${property}` });
      }
      if (seen.has(part.id)) ctx.addIssue({ code: "custom", path: [key, i, "id"], message: `${where}: two ${key} named '${part.id}'` });
      seen.add(part.id);
    }
    const rows = (input as { rows?: { min?: number; max?: number } }).rows;
    if (rows?.min !== undefined && rows.max !== undefined && rows.min > rows.max) ctx.addIssue({ code: "custom", path: ["rows"], message: `${where}: rows.min ${rows.min} is more than rows.max ${rows.max}` });
    if (input.defaults !== undefined && input.defaults !== null && !holdsTemplate(input.defaults)) {
      try {
        checkInputValue(input, input.defaults);
      } catch (error) {
        ctx.addIssue({ code: "custom", path: ["defaults"], message: `${where}: the default ${(error as Error).message}` });
      }
    }
    return;
  }
  if ((input.type === "SELECT" || input.type === "MULTISELECT") && input.values === undefined && input.expression === undefined) {
    ctx.addIssue({ code: "custom", path: ["values"], message: `${where}: give its values, or an expression rendering to them` });
    return;
  }
  const refuse = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message: `${where}: ${message}` });
  const attempt = (path: string, check: () => void, prefix = `${path}: `) => {
    try {
      check();
      return true;
    } catch (error) {
      refuse(path, `${prefix}${(error as Error).message}`);
      return false;
    }
  };
  if (input.validator !== undefined && !attempt("validator", () => validatorRegex(input.validator!), "")) return;
  for (const bound of ["after", "before"] as const) {
    if (input[bound] !== undefined && !attempt(bound, () => typeValue(input.type, input[bound]))) return;
  }
  const [low, high, lowName, highName] = input.min !== undefined ? [input.min, input.max, "min", "max"] : [input.after, input.before, "after", "before"];
  if (low !== undefined && high !== undefined) {
    try {
      checkRules({ id: input.id, type: input.type, [highName]: high }, typeValue(input.type, low));
    } catch {
      return refuse(highName, `${lowName} ${low} is ${highName === "max" ? "more" : "later"} than ${highName} ${high}`);
    }
  }
  if (input.type === "FILE" && typeof input.defaults === "string" && !holdsTemplate(input.defaults)) {
    const problem = fileDefaultProblem(input.defaults);
    if (problem) return refuse("defaults", problem);
  }
  // Kestra 1.1: "prefill and defaults cannot be used on the same input"
  if (input.prefill !== undefined && input.defaults !== undefined) return refuse("prefill", "Inputs with a default value cannot also have a prefill.");
  if (input.prefill !== undefined && input.prefill !== null && !holdsTemplate(input.prefill) && input.expression === undefined && !attempt("prefill", () => checkInputValue(input, input.prefill), "the prefill ")) return;
  // Kestra reads a default through Jackson, which takes only true or false as a Boolean (a given value is read leniently)
  if (input.type === "BOOLEAN" && typeof input.defaults === "string" && !holdsTemplate(input.defaults) && !/^(true|false)$/i.test(input.defaults)) {
    return refuse("defaults", `the default '${input.defaults}' is not a boolean (true or false)`);
  }
  // a templated default is typed and checked once rendered, when an execution starts
  if (input.defaults !== undefined && input.defaults !== null && !holdsTemplate(input.defaults) && input.expression === undefined) {
    try {
      checkInputValue(input, input.defaults);
    } catch (error) {
      refuse("defaults", `the default ${(error as Error).message.replace(/^the value /, "")}`);
    }
  }
}

/**
 * Kestra's FileInputValidator: a FILE input's default names a file by URI, a namespace file
 * (`nsfile:///path`) or a local file (`file:///path`). Kestra checks a local path only when the
 * file is read (LocalPath, against `kestra.local-files.allowed-paths`, none by default), so a flow
 * with a `file://` default deploys there, and only an execution that reads the default fails:
 * here too (Ferry allows no local paths; reading one fails, saying so).
 */
function fileDefaultProblem(value: string): string | undefined {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (scheme === "nsfile" || scheme === "file") return undefined;
  return `inputs of type 'FILE' only support \`defaults\` as local files using a file URI or as namespace files using a nsfile URI: '${value.slice(0, 100)}' is neither (Ferry reads namespace files: nsfile:///path)`;
}

function ofType<T extends (typeof TYPES)[number]>(type: T) {
  return z.strictObject({ ...common, type: z.literal(type), ...perType[type] }).superRefine((input, ctx) => checkDeclaration(input as unknown as InputRules, ctx));
}

function holdsTemplate(value: unknown): boolean {
  if (typeof value === "string") return /\{\{|\{%/.test(value);
  if (Array.isArray(value)) return value.some(holdsTemplate);
  if (value && typeof value === "object") return Object.values(value).some(holdsTemplate);
  return false;
}

/**
 * Kestra's deprecated spellings, which it still reads: `name` for `id`, type BOOL for BOOLEAN,
 * and MULTISELECT's `options` for `values`. parseFlow returns the document it read, not what the schema gives,
 * so they are renamed in the document itself.
 */
function normalise(raw: unknown, ctx: z.RefinementCtx): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const input = raw as Record<string, unknown>;
  if (input.name !== undefined && (input.id === undefined || input.id === input.name)) {
    input.id = input.name;
    delete input.name;
  }
  // Kestra's BoolInput: the older name of BOOLEAN, typed the same way
  if (input.type === "BOOL") input.type = "BOOLEAN";
  if (input.type === "MULTISELECT" && input.options !== undefined && input.values === undefined) {
    input.values = input.options;
    delete input.options;
  }
  // Ferry reads an input's properties as written: a template would be taken as text (the
  // issue sits on the input, as the flow parser passes over issues on a templated value)
  for (const [key, value] of Object.entries(input)) {
    if (!NOT_RULES.has(key) && holdsTemplate(value)) {
      ctx.addIssue({ code: "custom", path: [], message: `not supported by Ferry yet: a template in input property '${key}' (input properties are read as written; none is rendered)` });
    }
  }
  return input;
}

const typeProblem = (iss: z.core.$ZodRawIssue) => {
  if (iss.code !== "invalid_union") return undefined;
  const type = (iss.input as { type?: unknown } | undefined)?.type;
  return `${type === undefined ? "an input needs a type" : `unknown input type '${String(type)}'`} (one of ${TYPES.join(", ")})`;
};

/**
 * A flow's input: strict per type, so each type carries only its own rules, and a property
 * Kestra has that Ferry lacks is refused by name. inputs.ts enforces the rules on every start.
 */
export const inputSchema = z.preprocess(
  normalise,
  z.discriminatedUnion("type", TYPES.map((type) => ofType(type)) as unknown as [ReturnType<typeof ofType>, ...ReturnType<typeof ofType>[]], { error: typeProblem }),
);

/** a flow output: its value rendered at the end, then typed */
export const outputSchema = z.strictObject({
  id: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/),
  type: z.enum(TYPES),
  value: z.custom((v) => v !== undefined, "an output needs a value"),
  description: z.string().optional(),
  displayName: z.string().optional(),
  required: z.boolean().optional(),
});
