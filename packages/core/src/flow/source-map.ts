import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode, type YAMLMap } from "yaml";
import { linearKeyOptions } from "../yaml-unique-keys.js";

export type Path = Array<string | number>;

/** Where in the YAML source a property path is, for messages with a line. */
export class SourceMap {
  constructor(private readonly doc: Document, private readonly lines: LineCounter) {}

  /** a source that parsed already (a flow being deployed), read again for its lines */
  static of(source: string): SourceMap {
    const lines = new LineCounter();
    return new SourceMap(parseDocument(source, linearKeyOptions({ lineCounter: lines })), lines);
  }

  /**
   * Each map's keys, indexed the first time a path goes through it: the library's `getIn` looks a
   * key up by walking its map's pairs, and a refusal lists one path per problem — 20,000 unknown
   * properties of one task were 20,000 walks of 20,000 pairs (27 s).
   */
  private readonly keys = new WeakMap<YAMLMap, Map<unknown, unknown>>();

  /** the line of the path, or of its closest parent written in the source */
  line(path: Path): number | undefined {
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = this.nodeAt(p) as YamlNode | undefined;
      if (node && "range" in node && node.range) return this.lines.linePos(node.range[0]).line;
      if (p.length === 0) return undefined;
    }
    return undefined;
  }

  /** `doc.getIn(path, true)`: a map's key by its scalar's value (the first written), a sequence's item by its index */
  private nodeAt(path: Path): unknown {
    let node: unknown = this.doc.contents;
    for (const part of path) {
      if (isMap(node)) {
        node = this.keysOf(node).get(part);
      } else if (isSeq(node)) {
        const index = typeof part === "number" ? part : /^\d+$/.test(part) ? Number(part) : -1;
        node = index >= 0 ? node.items[index] : undefined;
      } else {
        return undefined;
      }
    }
    return node;
  }

  private keysOf(map: YAMLMap): Map<unknown, unknown> {
    let keys = this.keys.get(map);
    if (!keys) {
      keys = new Map();
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!keys.has(key)) keys.set(key, pair.value);
      }
      this.keys.set(map, keys);
    }
    return keys;
  }
}

export function formatPath(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part), "");
}
