import pc from "picocolors";

/**
 * Whether to draw for a person: a terminal, and not a CI job (CI runners that give a
 * pseudo-terminal still keep every frame of a redraw in their logs).
 */
export function isInteractive(stream: NodeJS.WriteStream = process.stdout): boolean {
  const ci = process.env.CI;
  return stream.isTTY === true && (ci === undefined || ci === "" || ci === "0" || ci === "false");
}

/** colours on a terminal only, and never with NO_COLOR (picocolors reads NO_COLOR and FORCE_COLOR) */
export const colors = pc.createColors(pc.isColorSupported && process.stdout.isTTY === true);

export function colorState(state: string): string {
  if (state === "SUCCESS") return colors.green(state);
  if (state === "FAILED" || state === "KILLED") return colors.red(state);
  if (state === "WARNING" || state === "KILLING" || state === "RETRYING" || state === "RESTARTED" || state === "PAUSING" || state === "PAUSED") return colors.yellow(state);
  if (state === "RUNNING") return colors.cyan(state);
  return state;
}

/** one JSON document on one line (for --json and for piped event streams) */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** an indented JSON document (--json of a single answer) */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").length;

/**
 * Columns padded to their widest cell, kubectl-style: plain text that `awk`, `grep` and
 * `column` read as well as a person does (a boxed table library would get in their way).
 */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - visible(c)))).join("  ").trimEnd();
  console.log(colors.bold(line(header)));
  for (const row of rows) console.log(line(row));
}

/** milliseconds as people read them: 850ms, 4.2s, 3m 05s, 2h 01m */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
