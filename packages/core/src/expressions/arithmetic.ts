import { ExpressionError } from "./expression.error.js";
import { preview } from "./values.js";

/*
 * Pebble's arithmetic (OperatorUtils): operands must be numbers (a string is refused, "5" - 1
 * is an error there too); two whole numbers compute as Longs, so `7 / 2` is 3 and a division by
 * zero fails, while a Double on either side (a fractional value, or a literal written `2.0`)
 * computes as a Double. `+` is handled by the evaluator first: a string on either side
 * concatenates, a list appends.
 */

const NAMES: Record<string, string> = { "+": "ADD", "-": "SUBTRACT", "*": "MULTIPLICATION", "/": "DIVISION", "%": "MODULUS" };

type Numeric = number | bigint;
const isNumeric = (v: unknown): v is Numeric => typeof v === "number" || typeof v === "bigint";

/** `left op right` for + - * / %; `float` when the parser knows either side is a Double */
export function arithmetic(op: string, left: unknown, right: unknown, float: boolean): Numeric {
  if (!isNumeric(left) || !isNumeric(right)) {
    throw new ExpressionError(`invalid operands for mathematical operation [${NAMES[op]}]: '${preview(left)}' ${op} '${preview(right)}' (numbers only)`);
  }
  const whole = !float && isWhole(left) && isWhole(right);
  if (whole && (typeof left === "bigint" || typeof right === "bigint")) return bigArithmetic(op, BigInt(left), BigInt(right));
  const a = Number(left);
  const b = Number(right);
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      if (!whole) return a / b;
      if (b === 0) throw new ExpressionError("/ by zero");
      return Math.trunc(a / b);
    default:
      if (whole && b === 0) throw new ExpressionError("/ by zero");
      return a % b;
  }
}

const isWhole = (v: Numeric) => typeof v === "bigint" || Number.isInteger(v);

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
  return op === "-" ? (typeof value === "bigint" ? -value : -value) : value;
}
