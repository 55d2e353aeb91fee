import { isAlias, isCollection, isMap, isPair, isScalar, LineCounter, Pair, parseDocument, YAMLMap, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from "yaml";

/**
 * YAML read with its keys checked for doubles in linear time.
 *
 * The yaml library's own check (`uniqueKeys: true`, its default) compares each new key with every
 * key of its map before it: one map of 20,000 keys (360 KB) took 6 s of the event loop, 81,000
 * keys (2 MiB, under the request limit) minutes. Every text an outside caller sends — a flow, an
 * import, a YAML input, `yaml()`'s argument — is therefore parsed with the library's check off and
 * checked here, one Set per map, at the same place (the later key), in Kestra's words.
 *
 * Two keys are doubles when they name one property of the object the text becomes, which is a
 * wider rule than the library's (two scalar keys of one value): `1` and `'1'`, `null` and `''`,
 * `1.0` and `1`, two equal collection keys all become one property, and the later value would be
 * lost without a word. Kestra reads every key as its text (Jackson, STRICT_DUPLICATE_DETECTION),
 * so it refuses `1` beside `'1'` as "Duplicate field '1'" too.
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
  const name = propertyNamer(doc);
  // an explicit stack: a deep document must not overflow the call stack here (aliases are nodes of
  // their own, so the tree has no cycle)
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (!isCollection(node)) continue;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const property = name(key);
        if (property !== undefined) {
          if (seen.has(property) && (isScalar(key) || isCollection(key) || isAlias(key)) && key.range) {
            const { line, col } = lines.linePos(key.range[0]);
            found.push({ key: property, line, column: col, offset: key.range[0] });
          }
          seen.add(property);
        }
        if (isCollection(key)) stack.push(key);
        stack.push(pair.value);
      }
    } else {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * The name of the property a map key becomes (the yaml library's `stringifyKey`): a scalar's value
 * as text (`null` as ''); a collection or an alias written out as the library writes it, through one
 * context for the whole document so that aliases count against the same `maxAliasCount` as in
 * `toJS` (an alias to a large collection used as many keys must not expand without bound here);
 * undefined past that bound.
 */
function propertyNamer(doc: Document): (key: unknown) => string | undefined {
  const context = { doc, anchors: new Map(), keep: false, mapAsMap: false, mapKeyWarned: true, maxAliasCount: 100 };
  let bomb = false;
  return (key) => {
    if (key === null || key === undefined) return "";
    if (isScalar(key) && (key.value === null || typeof key.value !== "object")) return key.value === null ? "" : String(key.value);
    if (bomb) return undefined;
    const one = new YAMLMap();
    one.items.push(new Pair(key, null));
    try {
      return Object.keys(one.toJSON(undefined, context as never) as object)[0];
    } catch (error) {
      // an alias bomb among the keys: toJS meets it too and its caller refuses the text for it
      if (error instanceof ReferenceError) {
        bomb = true;
        return undefined;
      }
      throw error;
    }
  };
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
