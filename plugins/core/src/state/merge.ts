type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Kestra's MapUtils.merge/deepMerge: `b` over `a`; a null in `b` keeps `a`'s value, two maps
 * merge key by key, two lists join (the items of `b` not already in `a` after `a`'s).
 */
export function mergeMaps(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [key, valueB] of Object.entries(b)) {
    const valueA = out[key];
    if (valueB === null || valueB === undefined) continue;
    if (isMap(valueA) && isMap(valueB)) out[key] = mergeMaps(valueA, valueB);
    else if (Array.isArray(valueA) && Array.isArray(valueB)) {
      const seen = new Set(valueA.map((v) => JSON.stringify(v)));
      out[key] = [...valueA, ...valueB.filter((v) => !seen.has(JSON.stringify(v)))];
    } else out[key] = valueB;
  }
  return out;
}
