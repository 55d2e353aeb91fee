import { JavaDouble } from "@ferry/sdk";

type Path = Array<string | number>;

/**
 * A copy of `value` with the numbers at `paths` boxed as Doubles (JavaDouble): the whole floats
 * a flow wrote there (`1.0`, core's writtenDoubles), which print `1.0` as Kestra's do. A path that
 * holds no number (a template rendered since, a value a default replaced) is left as it is;
 * only the containers on a boxed path are copied.
 */
export function boxDoubles<T>(value: T, paths: readonly Path[] | undefined): T {
  if (!paths?.length) return value;
  let out: unknown = value;
  for (const path of paths) out = boxAt(out, path, 0);
  return out as T;
}

function boxAt(value: unknown, path: Path, depth: number): unknown {
  if (depth === path.length) {
    // the memory queue's structured clone turns a JavaDouble into a plain `{value}`: both read as the number
    const n = value instanceof JavaDouble ? value.value : value;
    return typeof n === "number" ? new JavaDouble(n) : value;
  }
  if (value === null || typeof value !== "object") return value;
  const key = path[depth];
  if (Array.isArray(value)) {
    if (typeof key !== "number" || key >= value.length) return value;
    const copy = [...value];
    copy[key] = boxAt(value[key], path, depth + 1);
    return copy;
  }
  const record = value as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(record, key)) return value;
  return { ...record, [key]: boxAt(record[String(key)], path, depth + 1) };
}
