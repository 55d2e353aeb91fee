import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from "yaml";
import type { Flow } from "./flow.types.js";
import type { Path } from "./source-map.js";

/**
 * Whole numbers a flow writes as floats (`1.0`, `2.50e1`): Kestra's Jackson reads them as a
 * Double, so an Object-typed property (`variables`, OutputValues `values`) keeps a Double that
 * prints `1.0`, and a String-typed one takes the scalar's text. JavaScript reads them as `1`.
 * The fact cannot ride on the value itself (a boxed JavaDouble does not survive the queue's
 * structured clone or JSON to a worker, and would break number-typed properties), so parsing
 * notes where they are: the paths within each task (its job carries them to the worker, which
 * boxes them after rendering where the task's schema takes one, renderProperties) and within
 * the flow's `variables` (the render context boxes them).
 */
const noted = new WeakMap<object, Path[]>();

/** the whole floats written in a task (paths from its own properties) or in a flow's `variables` object */
export function writtenDoubles(part: object): Path[] | undefined {
  return noted.get(part);
}

// YAML 1.1's float, as Jackson's YAML parser reads one: digits, a dot, maybe an exponent (`1e3` is text there)
const FLOAT_TEXT = /^[-+]?(?:\d[\d_]*)?\.\d*(?:[eE][-+]?\d+)?$/;

/** every scalar of the document written as a float with a whole value, by its path from the root */
function wholeFloats(doc: Document, source: string): Path[] {
  const found: Path[] = [];
  const walk = (node: unknown, path: Path) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key === "string" || typeof key === "number") walk(pair.value, [...path, String(key)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else if (isScalar(node) && typeof node.value === "number" && Number.isInteger(node.value) && node.range) {
      if (FLOAT_TEXT.test(source.slice(node.range[0], node.range[1]).trim())) found.push(path);
    }
  };
  walk(doc.contents as YamlNode | null, []);
  return found;
}

const isTask = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) && typeof (value as { id?: unknown }).id === "string" && typeof (value as { type?: unknown }).type === "string";

/**
 * Notes a parsed flow's whole floats on the objects they belong to: the deepest task on each
 * path, or the flow's `variables` for one there. A path the parsed flow no longer holds as that
 * number (a plugin default, a folded listener) is left out.
 */
export function noteWrittenDoubles(flow: Flow, doc: Document, source: string): void {
  for (const path of wholeFloats(doc, source)) {
    // the variables object, not the flow: a flow store spreads the flow into a copy of its own
    const variables = path[0] === "variables" && flow.variables && typeof flow.variables === "object" ? flow.variables : undefined;
    let owner: object | undefined = variables;
    let ownerDepth = path[0] === "variables" ? 1 : 0;
    let current: unknown = flow;
    for (let i = 0; i < path.length; i++) {
      if (current === null || typeof current !== "object") {
        current = undefined;
        break;
      }
      current = (current as Record<string | number, unknown>)[path[i]];
      // a task is an element of a list (a flow's, or a flowable's) with an id and a type
      if (path[0] !== "variables" && typeof path[i] === "number" && isTask(current) && i < path.length - 1) {
        owner = current;
        ownerDepth = i + 1;
      }
    }
    if (!owner || typeof current !== "number") continue;
    const list = noted.get(owner) ?? [];
    list.push(path.slice(ownerDepth));
    noted.set(owner, list);
  }
}
