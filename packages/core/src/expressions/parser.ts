import { toDouble } from "@ferry/sdk";
import { childrenOf, type Node } from "./ast.js";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { tokenize, type Token } from "./lexer.js";
import { processRenderLimits } from "./render-limits.js";

/*
 * Binary operators and their precedence (higher binds tighter), as Pebble 4 registers them
 * (CoreExtension) plus Kestra's (`??`, `???`, `in`): a filter (`|`, 100) binds tighter than
 * arithmetic but looser than `~` (110), `..`, `??` and `???` (120), so `a ?? b | date` filters
 * whichever of the two was chosen; a test (`is`, `is not`) sits at 20, below comparisons.
 * Unary `not`, `-` and `+` (500) apply to the term right after them. Every binary operator
 * associates to the left.
 */
const BINARY: Record<string, number> = {
  or: 10, "||": 10,
  and: 15, "&&": 15,
  contains: 20,
  "==": 30, "!=": 30, "<": 30, ">": 30, "<=": 30, ">=": 30, equals: 30, in: 30, "not in": 30, isIn: 30,
  "+": 40, "-": 40,
  "*": 60, "/": 60, "%": 60,
  "~": 110,
  "..": 120, "??": 120, "???": 120,
};
const FILTER_PRECEDENCE = 100;
const TEST_PRECEDENCE = 20;

// Pebble's literals; `none` and the upper-case spellings are its aliases too
const KEYWORD_LITERALS: Record<string, unknown> = { true: true, false: false, null: null, none: null, TRUE: true, FALSE: false, NULL: null, NONE: null };

/**
 * Parses one expression into a tree. Throws ExpressionError naming the position, or
 * RenderLimitError when the tree would be deeper than the evaluator may go: `depth` is how deep
 * its root sits (1 alone, or the nesting of the `if`/`for` tags around it), and each level of
 * the tree is one more (N terms chained by binary operators are N levels, as is a value piped
 * through N - 1 filters), so what parses never fails render.maxDepth for its shape. Brackets
 * nested past `maxDepth` are refused too, as the parser recurses once for each.
 */
export function parseExpression(source: string, maxDepth = processRenderLimits().maxDepth, depth = 1): Node {
  const parser = new Parser(tokenize(source), source, maxDepth, depth);
  const node = parser.expression();
  parser.expectEnd();
  return node;
}


/** an interpolation's expression, parsed on its own, as deep as where it sits */
function parseInner(source: string, maxDepth: number, depth: number): Node {
  const parser = new Parser(tokenize(source), source, maxDepth, depth);
  const node = parser.expression();
  parser.expectEnd();
  return node;
}

/** `| f | g` applied to `input`: the filter tag's chain */
export function parseFilterChain(source: string, input: Node, maxDepth = processRenderLimits().maxDepth, depth = 1): Node {
  const parser = new Parser(tokenize(source), source, maxDepth, depth);
  const node = parser.filterChain(input);
  parser.expectEnd();
  return node;
}

export class Parser {
  private i = 0;
  depth = 0;
  // the height of each node made so far (a leaf is 1): the levels the evaluator goes through it
  private readonly heights = new WeakMap<Node, number>();
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    readonly maxDepth: number,
    readonly rootDepth: number,
  ) {}

  private tooDeep(): never {
    const excerpt = this.source.trim().length > 60 ? `${this.source.trim().slice(0, 60)}…` : this.source.trim();
    throw new RenderLimitError("maxDepth", this.maxDepth, `'${excerpt}' nests deeper than ${this.maxDepth} levels (each operator of a chain, filter and bracket counts one)`);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > this.maxDepth) this.tooDeep();
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  /** a node whose children are made: refused when the tree under it is already too deep */
  private make<T extends Node>(node: T): T {
    let height = 1;
    for (const child of childrenOf(node)) height = Math.max(height, (this.heights.get(child) ?? 1) + 1);
    if (this.rootDepth + height - 1 > this.maxDepth) this.tooDeep();
    if (height > 1) this.heights.set(node, height);
    return node;
  }

  // the last token is the end: a parser that has taken it (`{{ s | }}`, `{{ map. }}`) keeps seeing it
  private peek(): Token {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.value === value;
  }
  private isName(value: string): boolean {
    const t = this.peek();
    return t.kind === "name" && t.value === value;
  }
  private expectOp(value: string): void {
    if (!this.isOp(value)) this.fail(`expected '${value}'`);
    this.i++;
  }
  private fail(message: string): never {
    const t = this.peek();
    const at = t.kind === "end" ? "at the end" : `at position ${t.pos + 1}`;
    throw new ExpressionError(`${message} ${at} of '${this.source.trim()}'`);
  }
  expectEnd(): void {
    if (this.peek().kind !== "end") this.fail("unexpected token");
  }

  expression(): Node {
    return this.nested(() => this.ternary());
  }

  /** `name | f | g(x)` after a tag's word (`{% filter upper | title %}`): the chain over `input` */
  filterChain(input: Node): Node {
    let node = input;
    do node = this.filter(node);
    while (this.isOp("|") && ++this.i);
    return node;
  }

  private ternary(): Node {
    const cond = this.binary(0);
    if (this.isOp("?")) {
      this.i++;
      const then = this.nested(() => this.ternary());
      this.expectOp(":");
      return this.make({ type: "ternary", cond, then, else: this.nested(() => this.ternary()) });
    }
    return cond;
  }

  private binaryOp(): { op: string; precedence: number; width: number } | undefined {
    const t = this.peek();
    if (t.kind === "op" && t.value === "|") return { op: "|", precedence: FILTER_PRECEDENCE, width: 1 };
    if (t.kind !== "op" && t.kind !== "name") return undefined;
    const after = this.tokens[this.i + 1];
    if (t.kind === "name" && t.value === "is") {
      const negated = after?.kind === "name" && after.value === "not";
      return { op: negated ? "is not" : "is", precedence: TEST_PRECEDENCE, width: negated ? 2 : 1 };
    }
    if (t.kind === "name" && t.value === "not" && after?.kind === "name" && after.value === "in") return { op: "not in", precedence: BINARY["not in"], width: 2 };
    if (Object.prototype.hasOwnProperty.call(BINARY, t.value)) return { op: t.value, precedence: BINARY[t.value], width: 1 };
    return undefined;
  }

  private binary(minPrecedence: number): Node {
    let left = this.unary();
    for (;;) {
      const next = this.binaryOp();
      if (!next || next.precedence < minPrecedence) return left;
      this.i += next.width;
      if (next.op === "|") left = this.filter(left);
      else if (next.op === "is" || next.op === "is not") left = this.test(left, next.op === "is not");
      else {
        const right = this.nested(() => this.binary(next.precedence + 1));
        const op = next.op === "isIn" ? "in" : next.op;
        left = this.make({ type: "binary", op, left, right });
      }
    }
  }

  private filter(input: Node): Node {
    const t = this.next();
    if (t.kind !== "name") this.fail("expected a filter name after '|'");
    const { args, named } = this.isOp("(") ? this.args() : { args: [], named: {} };
    return this.make({ type: "filter", input, name: (t as { value: string }).value, args, named });
  }

  private test(subject: Node, negated: boolean): Node {
    const t = this.next();
    if (t.kind !== "name") return this.fail("expected a test name after 'is'");
    const { args } = this.isOp("(") ? this.args() : { args: [] };
    return this.make({ type: "test", subject, test: t.value, negated, args });
  }

  private unary(): Node {
    if (this.isName("not") || this.isOp("!")) {
      this.i++;
      return this.make({ type: "unary", op: "not", operand: this.nested(() => this.unary()) });
    }
    if (this.isOp("-") || this.isOp("+")) {
      const op = (this.next() as { value: string }).value;
      return this.make({ type: "unary", op, operand: this.nested(() => this.unary()) });
    }
    return this.postfix(this.primary());
  }

  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp(".")) {
        this.i++;
        const t = this.next();
        if (t.kind === "name") {
          // Pebble calls a Java method here (`'a'.toUpperCase()`): no Java objects in Ferry
          if (this.isOp("(")) this.fail(`calling the method '${t.value}()' of a value is not supported by Ferry yet (use a filter)`);
          node = this.make({ type: "member", object: node, property: { type: "literal", value: t.value }, computed: false });
        }
        else if (t.kind === "num") node = this.make({ type: "member", object: node, property: { type: "literal", value: String(t.value) }, computed: false });
        else this.fail("expected a name after '.'");
      } else if (this.isOp("[")) {
        this.i++;
        const property = this.expression();
        this.expectOp("]");
        node = this.make({ type: "member", object: node, property, computed: true });
      } else {
        return node;
      }
    }
  }

  private args(): { args: Node[]; named: Record<string, Node> } {
    this.expectOp("(");
    const args: Node[] = [];
    const named: Record<string, Node> = {};
    while (!this.isOp(")")) {
      const t = this.peek();
      const after = this.tokens[this.i + 1];
      if (t.kind === "name" && after?.kind === "op" && after.value === "=") {
        this.i += 2;
        named[t.value] = this.expression();
      } else {
        args.push(this.expression());
      }
      if (!this.isOp(")")) this.expectOp(",");
    }
    this.i++;
    return { args, named };
  }

  private primary(): Node {
    const t = this.peek();
    switch (t.kind) {
      case "num": {
        this.i++;
        // a literal written with a fraction or an exponent is a Double, whole or not (`2.0`)
        return t.float ? { type: "literal", value: toDouble(t.value), float: true } : { type: "literal", value: t.value };
      }
      case "str":
        this.i++;
        return { type: "literal", value: t.value };
      case "interp":
        this.i++;
        return this.make({
          type: "concat",
          parts: t.parts.map((p) => ("text" in p ? { type: "literal", value: p.text } : this.nested(() => parseInner(p.expr, this.maxDepth, this.rootDepth + this.depth)))),
        });
      case "name": {
        this.i++;
        if (Object.prototype.hasOwnProperty.call(KEYWORD_LITERALS, t.value)) return { type: "literal", value: KEYWORD_LITERALS[t.value] };
        if (this.isOp("(")) {
          const { args, named } = this.args();
          return this.make({ type: "call", callee: t.value, args, named });
        }
        return { type: "name", name: t.value };
      }
      case "op":
        if (t.value === "(") {
          this.i++;
          const inner = this.expression();
          this.expectOp(")");
          return inner;
        }
        if (t.value === "[") {
          this.i++;
          const items: Node[] = [];
          while (!this.isOp("]")) {
            items.push(this.expression());
            if (!this.isOp("]")) this.expectOp(",");
          }
          this.i++;
          return this.make({ type: "list", items });
        }
        if (t.value === "{") {
          this.i++;
          const entries: Array<[Node, Node]> = [];
          while (!this.isOp("}")) {
            // a key is an expression, as in Pebble: `{ name: 1 }` reads the variable `name`
            const key = this.expression();
            this.expectOp(":");
            entries.push([key, this.expression()]);
            if (!this.isOp("}")) this.expectOp(",");
          }
          this.i++;
          return this.make({ type: "map", entries });
        }
        return this.fail(`unexpected '${t.value}'`);
      default:
        return this.fail("expected a value");
    }
  }
}
