import { childrenOf, type Node } from "./ast.js";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { tokenize, type Token } from "./lexer.js";
import { processRenderLimits } from "./render-limits.js";

// Binary operators and their precedence (higher binds tighter), after Pebble's.
const BINARY: Record<string, number> = {
  or: 10, "||": 10,
  and: 15, "&&": 15,
  "==": 30, "!=": 30, "<": 30, ">": 30, "<=": 30, ">=": 30, equals: 30, contains: 30, in: 30,
  "..": 35,
  "~": 38,
  "+": 40, "-": 40,
  "*": 60, "/": 60, "//": 60, "%": 60,
};

const KEYWORD_LITERALS: Record<string, unknown> = { true: true, false: false, null: null, none: null, TRUE: true, FALSE: false, NULL: null };

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

class Parser {
  private i = 0;
  private depth = 0;
  // the height of each node made so far (a leaf is 1): the levels the evaluator goes through it
  private readonly heights = new WeakMap<Node, number>();
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly maxDepth: number,
    private readonly rootDepth: number,
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

  private peek(): Token {
    return this.tokens[this.i];
  }
  private next(): Token {
    return this.tokens[this.i++];
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

  private ternary(): Node {
    const cond = this.coalesce();
    if (this.isOp("?")) {
      this.i++;
      const then = this.nested(() => this.ternary());
      this.expectOp(":");
      return this.make({ type: "ternary", cond, then, else: this.nested(() => this.ternary()) });
    }
    return cond;
  }

  private coalesce(): Node {
    let left = this.binary(0);
    while (this.isOp("??")) {
      this.i++;
      left = this.make({ type: "binary", op: "??", left, right: this.binary(0) });
    }
    return left;
  }

  private binaryOp(): string | undefined {
    const t = this.peek();
    if ((t.kind === "op" || t.kind === "name") && t.value in BINARY) return t.value;
    const after = this.tokens[this.i + 1];
    if (t.kind === "name" && t.value === "not" && after?.kind === "name" && after.value === "in") return "not in";
    return undefined;
  }

  private binary(minPrecedence: number): Node {
    let left = this.unary();
    for (;;) {
      if (this.isName("is")) {
        left = this.test(left);
        continue;
      }
      const op = this.binaryOp();
      if (!op) return left;
      const precedence = BINARY[op === "not in" ? "in" : op];
      if (precedence < minPrecedence) return left;
      this.i += op === "not in" ? 2 : 1;
      const right = this.binary(precedence + 1);
      left = this.make({ type: "binary", op, left, right });
    }
  }

  private test(subject: Node): Node {
    this.i++; // is
    let negated = false;
    if (this.isName("not")) {
      negated = true;
      this.i++;
    }
    const t = this.next();
    if (t.kind !== "name") return this.fail("expected a test name after 'is'");
    const name = t.value;
    const args: Node[] = [];
    if (this.isOp("(")) {
      this.i++;
      while (!this.isOp(")")) {
        args.push(this.expression());
        if (!this.isOp(")")) this.expectOp(",");
      }
      this.i++;
    }
    return this.make({ type: "test", subject, test: name, negated, args });
  }

  private unary(): Node {
    if (this.isName("not") || this.isOp("!")) {
      this.i++;
      return this.make({ type: "unary", op: "not", operand: this.nested(() => this.binary(20)) });
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
        if (t.kind === "name") node = this.make({ type: "member", object: node, property: { type: "literal", value: t.value }, computed: false });
        else if (t.kind === "num") node = this.make({ type: "member", object: node, property: { type: "literal", value: String(t.value) }, computed: false });
        else this.fail("expected a name after '.'");
      } else if (this.isOp("[")) {
        this.i++;
        const property = this.expression();
        this.expectOp("]");
        node = this.make({ type: "member", object: node, property, computed: true });
      } else if (this.isOp("|")) {
        this.i++;
        const t = this.next();
        if (t.kind !== "name") this.fail("expected a filter name after '|'");
        const { args, named } = this.isOp("(") ? this.args() : { args: [], named: {} };
        node = this.make({ type: "filter", input: node, name: (t as { value: string }).value, args, named });
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
      case "num":
      case "str":
        this.i++;
        return { type: "literal", value: t.value };
      case "name": {
        this.i++;
        if (t.value in KEYWORD_LITERALS) return { type: "literal", value: KEYWORD_LITERALS[t.value] };
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
            const k = this.peek();
            const key: Node = k.kind === "name" ? (this.i++, { type: "literal", value: k.value }) : this.expression();
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
