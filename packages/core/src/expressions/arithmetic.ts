import { JavaDouble, toDouble } from "@ferry/sdk";
import { ExpressionError } from "./expression.error.js";
import { preview } from "./values.js";

/*
 * Pebble's arithmetic (OperatorUtils): operands must be numbers (a string is refused, "5" - 1
 * is an error there too); two whole numbers compute as Longs, so `7 / 2` is 3 and a division by
 * zero fails, while a Double on either side (a fractional value, a JavaDouble: a literal written
 * `2.0`, a FLOAT input, an earlier Double result) computes as a Double, and its result stays
 * one (`2.0 * 3` is 6.0). `+` is handled by the evaluator first: a string on either side
 * concatenates, a list appends.
 */

const NAMES: Record<string, string> = { "+": "ADD", "-": "SUBTRACT", "*": "MULTIPLICATION", "/": "DIVISION", "%": "MODULUS" };

type Numeric = number | bigint | JavaDouble;
const isNumeric = (v: unknown): v is Numeric => typeof v === "number" || typeof v === "bigint" || v instanceof JavaDouble;

/** `left op right` for + - * / % */
export function arithmetic(op: string, left: unknown, right: unknown): Numeric {
  if (!isNumeric(left) || !isNumeric(right)) {
    throw new ExpressionError(`invalid operands for mathematical operation [${NAMES[op]}]: '${preview(left)}' ${op} '${preview(right)}' (numbers only)`);
  }
  if (isWhole(left) && isWhole(right)) {
    if (typeof left === "bigint" || typeof right === "bigint") return bigArithmetic(op, BigInt(left as number | bigint), BigInt(right as number | bigint));
    return longArithmetic(op, left as number, right as number);
  }
  return toDouble(doubleArithmetic(op, Number(left), Number(right)));
}

function doubleArithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    default:
      return a % b;
  }
}

function longArithmetic(op: string, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      if (b === 0) throw new ExpressionError("/ by zero");
      return Math.trunc(a / b);
    default:
      if (b === 0) throw new ExpressionError("/ by zero");
      return a % b;
  }
}

// a Long (or BigInteger): a whole number not boxed as a Double
const isWhole = (v: Numeric) => typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));

function bigArithmetic(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    default:
      if (b === 0n) throw new ExpressionError("/ by zero");
      return op === "/" ? a / b : a % b;
  }
}

/** unary minus and plus: Pebble multiplies by -1 or 1 */
export function negate(value: unknown, op: string): Numeric {
  if (!isNumeric(value)) throw new ExpressionError(`invalid operand for unary ${op}: '${preview(value)}' (numbers only)`);
  if (op !== "-") return value;
  if (value instanceof JavaDouble) return new JavaDouble(-value.value);
  return typeof value === "bigint" ? -value : -value;
}
