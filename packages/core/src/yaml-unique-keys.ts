import { isCollection, isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from "yaml";

/**
 * YAML read with its keys checked for doubles in linear time.
 *
 * The yaml library's own check (`uniqueKeys: true`, its default) compares each new key with every
 * key of its map before it: one map of 20,000 keys (360 KB) took 6 s of the event loop, 81,000
 * keys (2 MiB, under the request limit) minutes. Every text an outside caller sends — a flow, an
 * import, a YAML input, `yaml()`'s argument — is therefore parsed with the library's check off and
 * checked here, one Set per map: the same rule (two scalar keys of one value; a collection key is
 * never a double), the same place (the later key), Kestra's words for it.
 */

export interface DuplicateKey {
  /** the key as its scalar holds it */
  key: string;
  /** 1-based line of the later key */
  line: number;
  column: number;
  /** offset of the later key in the text */
  offset: number;
}

/** every key written twice in one map of the document, in the order written */
export function duplicateKeys(doc: Document, lines: LineCounter): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // an explicit stack: a deep document must not overflow the call stack here (aliases are nodes of
  // their own, so the tree has no cycle)
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          if (seen.has(key.value) && key.range) {
            const { line, col } = lines.linePos(key.range[0]);
            found.push({ key: String(key.value), line, column: col, offset: key.range[0] });
          }
          seen.add(key.value);
        } else if (isCollection(key)) {
          stack.push(key);
        }
        stack.push(pair.value);
      }
    } else {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** Kestra's words for a key written twice (YamlParserTest.duplicateKey: "Duplicate field 'variables.tf'") */
export function duplicateKeyMessage(duplicate: DuplicateKey): string {
  return `Duplicate field '${duplicate.key}': the keys of a map must be unique`;
}

export type YamlTextOptions = ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions;

/** options to parse outside text with: the library's quadratic key check off (see above) */
export function linearKeyOptions<T extends ParseOptions>(options: T): T & { uniqueKeys: false } {
  return { ...options, uniqueKeys: false };
}

/**
 * `yaml.parse` for text from outside: the first error (a syntax error, then a key written twice)
 * thrown, the value returned.
 */
export function parseYamlText(text: string, options: YamlTextOptions = {}): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...linearKeyOptions(options), lineCounter: lines });
  if (doc.errors.length) throw doc.errors[0];
  const [duplicate] = duplicateKeys(doc, lines);
  if (duplicate) throw new SyntaxError(`${duplicateKeyMessage(duplicate)} (line ${duplicate.line}, column ${duplicate.column})`);
  return doc.toJS(options);
}
