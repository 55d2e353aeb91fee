import type { Node } from "./ast.js";
import { evaluate, type Scope } from "./evaluator.js";
import { ExpressionError, UndefinedError } from "./expression.error.js";
import { scanJson } from "./nesting.js";
import { isBlank, preview, toNumber } from "./values.js";

/**
 * The tests `x is name` / `x is not name` answers: Pebble's (defined, null, empty, even, odd,
 * iterable, map) and Kestra's `json` (tests/JsonTest.java).
 */
export const TESTS = ["defined", "null", "empty", "even", "odd", "iterable", "map", "json"] as const;

export async function runTest(node: Extract<Node, { type: "test" }>, scope: Scope, depth: number): Promise<boolean> {
  let result: boolean;
  if (node.test === "defined") {
    try {
      await evaluate(node.subject, scope, depth);
      result = true;
    } catch (error) {
      if (!(error instanceof UndefinedError)) throw error;
      result = false;
    }
  } else {
    const value = await evaluate(node.subject, scope, depth);
    switch (node.test) {
      case "null":
        result = value === null || value === undefined;
        break;
      case "empty":
        // a map has no cheaper way to tell than looking for a first key; a blank string is empty (EmptyTest trims)
        if (typeof value === "string") scope.budget.chars(value.length, "empty");
        result = isBlank(value);
        break;
      case "even":
      case "odd": {
        if (value === null || value === undefined) throw new ExpressionError(`Can not pass null value to "${node.test}" test.`);
        const n = toNumber(value, node.test);
        if (!Number.isInteger(n)) throw new ExpressionError(`the ${node.test} test needs a whole number, got '${preview(value)}'`);
        result = (Math.abs(n) % 2 === 0) === (node.test === "even");
        break;
      }
      case "iterable":
        result = Array.isArray(value);
        break;
      case "map":
        result = value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Uint8Array);
        break;
      case "json":
        result = isJson(value, scope);
        break;
      default:
        throw new ExpressionError(`unknown test '${node.test}'`);
    }
  }
  return node.negated ? !result : result;
}

/** JsonTest: a list or map is JSON; a string is when Jackson reads it (blank text reads as nothing, without error) */
function isJson(value: unknown, scope: Scope): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "object") return !(value instanceof Uint8Array);
  if (typeof value !== "string") return false;
  if (value.trim() === "") return true;
  try {
    scanJson(value, scope.budget, "the json test");
    JSON.parse(value);
    return true;
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    return false;
  }
}
