import type { Node } from "./ast.js";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { parseExpression as parseExpressionUpTo, parseFilterChain } from "./parser.js";
import { processRenderLimits } from "./render-limits.js";

/**
 * A parsed template: text, `{{ expr }}` outputs and the `{% %}` tags Kestra's Pebble engine
 * keeps (if, for, set, raw and verbatim, filter, macro, block). `raw` keeps its source for
 * render(), which leaves raw blocks in place between passes as Kestra does.
 */
export type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "raw"; text: string; source: string }
  | ({ kind: "out"; expr: Node } & Placed)
  | ({ kind: "if"; branches: Array<{ cond: Node; body: TemplateNode[] }>; otherwise?: TemplateNode[] } & Placed)
  | ({ kind: "for"; key?: string; item: string; iterable: Node; body: TemplateNode[]; otherwise?: TemplateNode[] } & Placed)
  | ({ kind: "set"; name: string; expr: Node } & Placed)
  | ({ kind: "filter"; chain: Node; body: TemplateNode[] } & Placed)
  | { kind: "block"; name: string; body: TemplateNode[] }
  | { kind: "macro"; name: string };

/** the line (from 1) of the template a tag opens on: Pebble's error messages name it */
export interface Placed {
  line?: number;
}

/** a `{% macro name(a, b="default") %}`: callable from anywhere in its template, as Pebble registers them before rendering */
export interface Macro {
  name: string;
  params: Array<{ name: string; default?: Node }>;
  body: TemplateNode[];
}

export interface Template {
  nodes: TemplateNode[];
  macros: Map<string, Macro>;
  blocks: Map<string, TemplateNode[]>;
}

/** the name the filter tag's body is bound to while its chain runs (no template can name it) */
export const FILTER_BODY = "\u0000filter-body";

// tags Pebble has but Kestra removes (ExtensionCustomizer): a flow cannot use them there either
const REMOVED_TAGS = new Set(["extends", "embed", "include", "import", "from", "autoescape", "cache", "parallel", "flush"]);

type Piece = { kind: "text"; text: string } | { kind: "raw"; text: string; source: string } | { kind: "out"; src: string; line: number } | { kind: "tag"; src: string; line: number };

// Kestra's RAW_PATTERN (VariableRenderer), matched before Pebble reads the template: `-` marks are allowed and trim nothing
const RAW_END = /\{%-*\s*endraw\s*-*%\}/;
const VERBATIM_END = /\{%(-?)\s*endverbatim\s*(-?)%\}/;

function split(source: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  // the line a tag opens on, counted on from the last tag's
  let line = 1;
  let counted = 0;
  const lineAt = (at: number) => {
    for (; counted < at; counted++) if (source.charCodeAt(counted) === 10) line++;
    return line;
  };
  const text = (t: string) => {
    if (t) pieces.push({ kind: "text", text: t });
  };
  while (i < source.length) {
    const open = source.slice(i).search(/\{[{%#]/);
    if (open < 0) {
      text(trimNext ? source.slice(i).trimStart() : source.slice(i));
      break;
    }
    let before = source.slice(i, i + open);
    if (trimNext) before = before.trimStart();
    const start = i + open;
    const type = source[start + 1];
    // a raw block, matched as Kestra matches it: before the tag's own trimming marks are read
    if (type === "%") {
      const raw = /^\{%-*\s*raw\s*-*%\}/.exec(source.slice(start));
      if (raw) {
        const rest = source.slice(start + raw[0].length);
        const endRaw = RAW_END.exec(rest);
        if (!endRaw) throw new ExpressionError("'{% raw %}' without '{% endraw %}'");
        text(before);
        const inner = rest.slice(0, endRaw.index);
        pieces.push({ kind: "raw", text: inner, source: raw[0] + inner + endRaw[0] });
        i = start + raw[0].length + endRaw.index + endRaw[0].length;
        trimNext = false;
        continue;
      }
    }
    const close = type === "{" ? "}}" : type === "%" ? "%}" : "#}";
    const end = findClose(source, start + 2, close, type === "#");
    if (end < 0) throw new ExpressionError(`unclosed '${source.slice(start, start + 2)}' at position ${start + 1}`);
    let inner = source.slice(start + 2, end);
    if (inner.startsWith("-")) {
      before = before.trimEnd();
      inner = inner.slice(1);
    }
    trimNext = inner.endsWith("-");
    if (trimNext) inner = inner.slice(0, -1);
    text(before);
    i = end + 2;
    if (type === "{") pieces.push({ kind: "out", src: inner, line: lineAt(start) });
    else if (type === "%") {
      // Pebble's verbatim: read by its lexer, with its trimming marks honoured
      if (/^\s*verbatim\s*$/.test(inner)) {
        const endVerbatim = VERBATIM_END.exec(source.slice(i));
        if (!endVerbatim) throw new ExpressionError("'{% verbatim %}' without '{% endverbatim %}'");
        let body = source.slice(i, i + endVerbatim.index);
        if (trimNext) body = body.trimStart();
        if (endVerbatim[1]) body = body.trimEnd();
        pieces.push({ kind: "raw", text: body, source: source.slice(start, i + endVerbatim.index + endVerbatim[0].length) });
        i += endVerbatim.index + endVerbatim[0].length;
        trimNext = endVerbatim[2] === "-";
        continue;
      }
      pieces.push({ kind: "tag", src: inner.trim(), line: lineAt(start) });
    }
  }
  return pieces;
}

/**
 * finds the closing delimiter, skipping over quoted strings and, as Pebble's lexer does, over
 * brackets still open (`{{ {'a': {}} }}` closes at the last `}}`); not in comments
 */
function findClose(source: string, from: number, close: string, comment: boolean): number {
  if (comment) return source.indexOf(close, from);
  let quote: string | undefined;
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (depth === 0 && source.startsWith(close, i)) return i;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if ((c === ")" || c === "]" || c === "}") && depth > 0) depth--;
  }
  return -1;
}

const word = (src: string) => src.split(/\s+/, 1)[0];

/**
 * Parses a template; `maxDepth` bounds how deep tags nest, and each expression's tree together
 * with the tags around it, the depths the evaluator will reach (see parseExpression).
 */
export function parseTemplate(source: string, maxDepth = processRenderLimits().maxDepth): Template {
  const pieces = split(source);
  const macros = new Map<string, Macro>();
  const blocks = new Map<string, TemplateNode[]>();
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
      if (piece.kind === "text" || piece.kind === "raw") body.push(piece);
      else if (piece.kind === "out") body.push({ kind: "out", expr: parseExpression(piece.src), line: piece.line });
      else {
        const w = word(piece.src);
        if (stops.includes(w)) return { body, stop: piece.src };
        const tag = parseTag(piece.src, w);
        if (tag.kind === "if" || tag.kind === "for" || tag.kind === "set" || tag.kind === "filter") tag.line = piece.line;
        body.push(tag);
      }
    }
    if (stops.length) throw new ExpressionError(`missing '{% ${stops[stops.length - 1]} %}'`);
    return { body };
  };
  const parseTag = (src: string, w: string): TemplateNode => {
    const rest = src.slice(w.length).trim();
    switch (w) {
      case "if": {
        const branches = [{ cond: parseExpression(rest), body: [] as TemplateNode[] }];
        let otherwise: TemplateNode[] | undefined;
        for (;;) {
          const { body, stop } = parseBody(["elseif", "elif", "else", "endif"]);
          if (otherwise) otherwise = body;
          else branches[branches.length - 1].body = body;
          const stopWord = word(stop!);
          if (stopWord === "endif") return { kind: "if", branches, otherwise };
          if (stopWord === "else") otherwise = [];
          else branches.push({ cond: parseExpression(stop!.slice(stopWord.length)), body: [] });
        }
      }
      case "for": {
        const m = /^([\p{L}_][\p{L}\p{N}_]*)(?:\s*,\s*([\p{L}_][\p{L}\p{N}_]*))?\s+in\s+([\s\S]+)$/u.exec(rest);
        if (!m) throw new ExpressionError(`bad for tag '{% ${src} %}' (expected '{% for item in list %}')`);
        const iterable = parseExpression(m[3]);
        const first = parseBody(["else", "endfor"]);
        const otherwise = word(first.stop!) === "else" ? parseBody(["endfor"]).body : undefined;
        return m[2] ? { kind: "for", key: m[1], item: m[2], iterable, body: first.body, otherwise } : { kind: "for", item: m[1], iterable, body: first.body, otherwise };
      }
      case "set": {
        const m = /^([\p{L}_][\p{L}\p{N}_]*)\s*=\s*([\s\S]+)$/u.exec(rest);
        if (!m) throw new ExpressionError(`bad set tag '{% ${src} %}' (expected '{% set name = value %}')`);
        return { kind: "set", name: m[1], expr: parseExpression(m[2]) };
      }
      case "filter": {
        if (!rest) throw new ExpressionError("the filter tag needs a filter: '{% filter upper %}'");
        const chain = parseFilterChain(rest, { type: "name", name: FILTER_BODY }, maxDepth, depth);
        return { kind: "filter", chain, body: parseBody(["endfilter"]).body };
      }
      case "block": {
        const m = /^(?:"([^"]*)"|'([^']*)'|([\p{L}_][\p{L}\p{N}_]*))$/u.exec(rest);
        if (!m) throw new ExpressionError(`bad block tag '{% ${src} %}' (expected '{% block name %}')`);
        const name = m[1] ?? m[2] ?? m[3];
        if (blocks.has(name)) throw new ExpressionError(`block '${name}' is defined twice`);
        const body = parseBody(["endblock"]).body;
        blocks.set(name, body);
        return { kind: "block", name, body };
      }
      case "macro": {
        const signature = parseExpression(rest);
        if (signature.type !== "call" || signature.args.some((a) => a.type !== "name")) {
          throw new ExpressionError(`bad macro tag '{% ${src} %}' (expected '{% macro name(a, b="default") %}')`);
        }
        const params = [
          ...signature.args.map((a) => ({ name: (a as { name: string }).name })),
          ...Object.entries(signature.named).map(([name, def]) => ({ name, default: def })),
        ];
        if (macros.has(signature.callee)) throw new ExpressionError(`macro '${signature.callee}' is defined twice`);
        macros.set(signature.callee, { name: signature.callee, params, body: parseBody(["endmacro"]).body });
        return { kind: "macro", name: signature.callee };
      }
    }
    if (REMOVED_TAGS.has(w)) throw new ExpressionError(`the '{% ${w} %}' tag is not available in Kestra flows (Kestra removes it from its Pebble engine)`);
    throw new ExpressionError(`unknown tag '{% ${w} %}'`);
  };
  return { nodes: parseBody([]).body, macros, blocks };
}
