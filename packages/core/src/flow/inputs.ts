import { isDuration, MAX_NESTING, nestingDepth, parseJsonFromOutside, UserError, type ErrorDetail } from "@ferry/sdk";
import { parse as parseYaml } from "yaml";
import type { InputSpec, InputType, OutputSpec } from "./flow.types.js";

/** Kestra's INT is a Java Integer */
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function shallowEnough(value: unknown): unknown {
  if (nestingDepth(value, MAX_NESTING) > MAX_NESTING) throw new Error(`is nested more than ${MAX_NESTING} levels deep`);
  return value;
}

/**
 * Types a value the way Kestra's FlowInputOutput.parseType does: form fields arrive as
 * strings ("3", "true", a JSON document) and leave typed (3, true, an object).
 */
export function typeValue(type: InputType, value: unknown, spec?: { values?: unknown[]; itemType?: InputType }): unknown {
  const text = () => (typeof value === "string" ? value : JSON.stringify(value));
  switch (type) {
    case "STRING":
    case "SECRET":
      return typeof value === "string" ? value : text();
    case "INT": {
      const n = typeof value === "number" ? value : Number(String(value).trim());
      if (!Number.isInteger(n)) throw new Error(`'${text()}' is not an integer`);
      // Kestra's INT is a Java Integer: beyond it a value would come back rounded (1e+23)
      if (n < INT_MIN || n > INT_MAX) throw new Error(`'${text()}' is out of range for an INT (${INT_MIN} to ${INT_MAX}); use FLOAT or STRING`);
      return n;
    }
    case "FLOAT": {
      const n = typeof value === "number" ? value : Number(String(value).trim());
      if (Number.isNaN(n)) throw new Error(`'${text()}' is not a number`);
      if (!Number.isFinite(n)) throw new Error(`'${text()}' is out of range for a FLOAT (a finite double)`);
      return n;
    }
    case "BOOLEAN": {
      if (typeof value === "boolean") return value;
      const t = String(value).trim().toLowerCase();
      if (t !== "true" && t !== "false") throw new Error(`'${text()}' is not a boolean (true or false)`);
      return t === "true";
    }
    case "DATETIME": {
      const d = new Date(String(value));
      if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(String(value))) throw new Error(`'${text()}' is not an ISO-8601 date-time`);
      return d.toISOString();
    }
    case "DATE":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(value)) || Number.isNaN(new Date(String(value)).getTime())) throw new Error(`'${text()}' is not a date (yyyy-MM-dd)`);
      return String(value);
    case "TIME":
      if (!/^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(String(value))) throw new Error(`'${text()}' is not a time (HH:mm:ss)`);
      return String(value);
    case "DURATION":
      if (!isDuration(String(value))) throw new Error(`'${text()}' is not an ISO-8601 duration`);
      return String(value);
    case "JSON":
      if (typeof value !== "string") return value;
      return shallowEnough(parseJsonFromOutside(value, "the value"));
    case "YAML":
      return typeof value === "string" ? shallowEnough(parseYaml(value)) : value;
    case "SELECT":
    case "ENUM": {
      const v = String(value);
      if (spec?.values && !spec.values.map(String).includes(v)) throw new Error(`'${v}' is not one of ${spec.values.join(", ")}`);
      return v;
    }
    case "MULTISELECT":
    case "ARRAY": {
      let items = value;
      if (typeof value === "string") {
        try {
          items = JSON.parse(value);
        } catch {
          items = type === "MULTISELECT" ? value.split(",").map((s) => s.trim()) : undefined;
        }
      }
      if (!Array.isArray(items)) throw new Error(`'${text()}' is not a list`);
      if (type === "MULTISELECT" && spec?.values) for (const i of items) if (!spec.values.map(String).includes(String(i))) throw new Error(`'${i}' is not one of ${spec.values.join(", ")}`);
      return spec?.itemType ? items.map((i) => typeValue(spec.itemType!, i)) : items;
    }
    case "URI":
      try {
        new URL(String(value));
      } catch {
        throw new Error(`'${text()}' is not a URI`);
      }
      return String(value);
    case "EMAIL":
      if (!/^[^\s@]+@[^\s@]+$/.test(String(value))) throw new Error(`'${text()}' is not an email address`);
      return String(value);
    case "FILE":
      return String(value);
  }
}

/**
 * Builds an execution's typed inputs from what the caller gave. Missing required inputs
 * and values of the wrong type are all reported at once (422); undeclared ones are dropped.
 */
export function resolveInputs(specs: InputSpec[] | undefined, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const errors: ErrorDetail[] = [];
  for (const spec of specs ?? []) {
    let value = given[spec.id];
    if (value === undefined || value === null || value === "") value = spec.defaults;
    if (value === undefined || value === null || (value === "" && spec.type !== "STRING")) {
      if (spec.required !== false) errors.push({ path: `inputs.${spec.id}`, message: `input '${spec.id}' is required` });
      else out[spec.id] = null;
      continue;
    }
    try {
      out[spec.id] = typeValue(spec.type, value, spec);
    } catch (error) {
      errors.push({ path: `inputs.${spec.id}`, message: `input '${spec.id}' (${spec.type}): ${(error as Error).message}` });
    }
  }
  if (errors.length) throw new UserError(`invalid inputs: ${errors.map((e) => e.message).join("; ")}`, { errors });
  return out;
}

/** Types rendered flow outputs by their declared types (INT '42' → 42). */
export function typeOutputs(specs: OutputSpec[], rendered: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) out[spec.id] = rendered[spec.id] === null ? null : typeValue(spec.type, rendered[spec.id]);
  return out;
}
