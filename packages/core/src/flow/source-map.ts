import { LineCounter, parseDocument, type Document, type Node as YamlNode } from "yaml";
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

  /** the line of the path, or of its closest parent written in the source */
  line(path: Path): number | undefined {
    for (let p = path; p.length >= 0; p = p.slice(0, -1)) {
      const node = (p.length ? this.doc.getIn(p, true) : this.doc.contents) as YamlNode | undefined;
      if (node && "range" in node && node.range) return this.lines.linePos(node.range[0]).line;
      if (p.length === 0) return undefined;
    }
    return undefined;
  }
}

export function formatPath(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${part}` : part), "");
}
