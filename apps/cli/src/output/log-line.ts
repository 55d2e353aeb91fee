import type { LogJson } from "../client/api-types.js";
import { colors } from "./terminal.js";

const LEVEL_COLORS: Record<string, (s: string) => string> = { ERROR: colors.red, WARN: colors.yellow, INFO: colors.blue, DEBUG: colors.dim, TRACE: colors.dim };

/** `2026-11-02T10:00:00.123Z INFO  taskId: message`, as `execute --wait` and `executions logs` print it */
export function logLine(entry: Pick<LogJson, "timestamp" | "level" | "taskId" | "message">): string {
  const level = (LEVEL_COLORS[entry.level] ?? ((s: string) => s))(entry.level.padEnd(5));
  return `${colors.dim(entry.timestamp)} ${level} ${entry.taskId ?? "-"}: ${entry.message}`;
}
