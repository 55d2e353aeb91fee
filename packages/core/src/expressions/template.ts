import type { Node } from "./ast.js";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { parseExpression as parseExpressionUpTo } from "./parser.js";
import { processRenderLimits } from "./render-limits.js";

/** A parsed template: text, `{{ expr }}` outputs and `{% %}` tags (if, for, set, raw). */
export type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "out"; expr: Node }
  | { kind: "if"; branches: Array<{ cond: Node; body: TemplateNode[] }>; otherwise?: TemplateNode[] }
  | { kind: "for"; key?: string; item: string; iterable: Node; body: TemplateNode[]; otherwise?: TemplateNode[] }
  | { kind: "set"; name: string; expr: Node };

type Piece = { kind: "text"; text: string } | { kind: "out"; src: string } | { kind: "tag"; src: string };

function split(source: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < source.length) {
    const open = source.slice(i).search(/\{[{%#]/);
    if (open < 0) {
      pieces.push({ kind: "text", text: trimNext ? source.slice(i).trimStart() : source.slice(i) });
      break;
    }
    let text = source.slice(i, i + open);
    if (trimNext) text = text.trimStart();
    const start = i + open;
    const type = source[start + 1];
    const close = type === "{" ? "}}" : type === "%" ? "%}" : "#}";
    const end = findClose(source, start + 2, close);
    if (end < 0) throw new ExpressionError(`unclosed '${source.slice(start, start + 2)}' at position ${start + 1}`);
    let inner = source.slice(start + 2, end);
    if (inner.startsWith("-")) {
      text = text.trimEnd();
      inner = inner.slice(1);
    }
    trimNext = inner.endsWith("-");
    if (trimNext) inner = inner.slice(0, -1);
    if (text) pieces.push({ kind: "text", text });
    if (type === "{") pieces.push({ kind: "out", src: inner });
    else if (type === "%") {
      if (/^\s*raw\s*$/.test(inner)) {
        const endRaw = /\{%-?\s*endraw\s*-?%\}/.exec(source.slice(end + 2));
        if (!endRaw) throw new ExpressionError("'{% raw %}' without '{% endraw %}'");
        pieces.push({ kind: "text", text: source.slice(end + 2, end + 2 + endRaw.index) });
        i = end + 2 + endRaw.index + endRaw[0].length;
        continue;
      }
      pieces.push({ kind: "tag", src: inner.trim() });
    }
    i = end + 2;
  }
  return pieces;
}

/** finds the closing delimiter, skipping over quoted strings */
function findClose(source: string, from: number, close: string): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (source.startsWith(close, i)) return i;
  }
  return -1;
}

/**
 * Parses a template; `maxDepth` bounds how deep tags nest, and each expression's tree together
 * with the tags around it, the depths the evaluator will reach (see parseExpression).
 */
export function parseTemplate(source: string, maxDepth = processRenderLimits().maxDepth): TemplateNode[] {
  const pieces = split(source);
  let i = 0;
  let depth = 0;
  // `depth` is the tags' nesting where the expression sits: renderNodes evaluates it at that depth
  const parseExpression = (src: string) => parseExpressionUpTo(src, maxDepth, depth);
  const parseBody = (stops: string[]): { body: TemplateNode[]; stop?: string } => {
    if (++depth > maxDepth) throw new RenderLimitError("maxDepth", maxDepth, `the template's tags nest deeper than ${maxDepth} levels`);
    try {
      return parseBodyAt(stops);
    } finally {
      depth--;
    }
  };
  const parseBodyAt = (stops: string[]): { body: TemplateNode[]; stop?: string } => {
    const body: TemplateNode[] = [];
    while (i < pieces.length) {
      const piece = pieces[i++];
      if (piece.kind === "text") body.push({ kind: "text", text: piece.text });
      else if (piece.kind === "out") body.push({ kind: "out", expr: parseExpression(piece.src) });
      else {
        const word = piece.src.split(/\s+/, 1)[0];
        if (stops.includes(word)) return { body, stop: piece.src };
        body.push(parseTag(piece.src, word));
      }
    }
    if (stops.length) throw new ExpressionError(`missing '{% ${stops[stops.length - 1]} %}'`);
    return { body };
  };
  const parseTag = (src: string, word: string): TemplateNode => {
    const rest = src.slice(word.length).trim();
    if (word === "if") {
      const branches = [{ cond: parseExpression(rest), body: [] as TemplateNode[] }];
      let otherwise: TemplateNode[] | undefined;
      for (;;) {
        const { body, stop } = parseBody(["elseif", "elif", "else", "endif"]);
        if (otherwise) otherwise = body;
        else branches[branches.length - 1].body = body;
        const stopWord = stop!.split(/\s+/, 1)[0];
        if (stopWord === "endif") return { kind: "if", branches, otherwise };
        if (stopWord === "else") otherwise = [];
        else branches.push({ cond: parseExpression(stop!.slice(stopWord.length)), body: [] });
      }
    }
    if (word === "for") {
      const m = /^([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\s+([\s\S]+)$/.exec(rest);
      if (!m) throw new ExpressionError(`bad for tag '{% ${src} %}'`);
      const first = parseBody(["else", "endfor"]);
      let otherwise: TemplateNode[] | undefined;
      if (first.stop!.startsWith("else")) otherwise = parseBody(["endfor"]).body;
      return m[2]
        ? { kind: "for", key: m[1], item: m[2], iterable: parseExpression(m[3]), body: first.body, otherwise }
        : { kind: "for", item: m[1], iterable: parseExpression(m[3]), body: first.body, otherwise };
    }
    if (word === "set") {
      const m = /^([A-Za-z_]\w*)\s*=\s*([\s\S]+)$/.exec(rest);
      if (!m) throw new ExpressionError(`bad set tag '{% ${src} %}'`);
      return { kind: "set", name: m[1], expr: parseExpression(m[2]) };
    }
    throw new ExpressionError(`unknown tag '{% ${word} %}'`);
  };
  return parseBody([]).body;
}
