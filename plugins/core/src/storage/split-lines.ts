import { UserError } from "@ferry/sdk";

/**
 * `10MB` → 10485760: Micronaut's ReadableBytesTypeConverter, which Kestra's Split reads `bytes`
 * with (KB, MB and GB are powers of 1024, case-insensitive; a bare number is bytes).
 */
export function readableBytes(text: string): number {
  const value = text.trim().toUpperCase();
  const unit = /^(\d+)(KB|MB|GB)?$/.exec(value);
  if (!unit) throw new UserError(`bytes: invalid size with value '${text}' (a number of bytes, or a number followed by KB, MB or GB)`);
  const n = Number(unit[1]);
  const factor = unit[2] === "GB" ? 1024 ** 3 : unit[2] === "MB" ? 1024 ** 2 : unit[2] === "KB" ? 1024 : 1;
  return n * factor;
}

/** how StorageService.split groups lines into files */
export type SplitRule = { bytes: number } | { rows: number } | { partitions: number } | { regex: RegExp };

const size = (line: string, separator: string) => new TextEncoder().encode(line + separator).length;

/**
 * The files Kestra's StorageService.split makes, as lists of lines (each written followed by
 * the separator): by `bytes` or `rows` a new file starts once the current one holds at least
 * that much; `partitions` deals lines round-robin and drops empty files; `regex` groups lines
 * by their first capture group, in order of first appearance, and drops lines that do not match.
 */
export function splitLines(lines: string[], rule: SplitRule, separator: string): string[][] {
  if ("partitions" in rule) {
    const files: string[][] = Array.from({ length: rule.partitions }, () => []);
    lines.forEach((line, i) => files[i % rule.partitions].push(line));
    return files.filter((f) => f.length > 0);
  }
  if ("regex" in rule) {
    const groups = new Map<string, string[]>();
    for (const line of lines) {
      const match = rule.regex.exec(line);
      if (!match || match.length < 2 || match[1] === undefined) continue;
      const key = match[1];
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(line);
    }
    return [...groups.values()];
  }
  const files: string[][] = [];
  let current: string[] | undefined;
  let bytes = 0;
  for (const line of lines) {
    const full = "bytes" in rule ? bytes >= rule.bytes : (current?.length ?? 0) >= rule.rows;
    if (!current || full) {
      current = [];
      files.push(current);
      bytes = 0;
    }
    current.push(line);
    bytes += size(line, separator);
  }
  return files;
}
