import { parseJson, type LogLevel } from "@ferry/sdk";

/**
 * Kestra's script protocol, as its `@kestra-io/libs` package prints it: one line of
 * `::{json}::` on stdout carrying `outputs`, `logs` or `metrics`.
 */
export interface ProtocolMessage {
  outputs?: Record<string, unknown>;
  logs?: Array<{ level: LogLevel; message: string }>;
  metrics?: Array<{ name: string; type: string; value: number; tags?: Record<string, string> }>;
}

const LEVELS = new Set(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]);

/** the message a stdout line carries, or undefined for an ordinary line */
export function protocolMessage(line: string): ProtocolMessage | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("::{") || !trimmed.endsWith("}::")) return undefined;
  let parsed: unknown;
  try {
    // as Jackson reads it: `6.0` in outputs stays a Double
    parsed = parseJson(trimmed.slice(2, -2));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const { outputs, logs, metrics } = parsed as Record<string, unknown>;
  const message: ProtocolMessage = {};
  if (outputs && typeof outputs === "object" && !Array.isArray(outputs)) message.outputs = outputs as Record<string, unknown>;
  if (Array.isArray(logs)) {
    message.logs = logs
      .filter((l): l is { level?: unknown; message?: unknown } => Boolean(l) && typeof l === "object")
      .map((l) => ({ level: (LEVELS.has(String(l.level).toUpperCase()) ? String(l.level).toUpperCase() : "INFO") as LogLevel, message: String(l.message ?? "") }));
  }
  if (Array.isArray(metrics)) {
    message.metrics = metrics
      .filter((m): m is Record<string, unknown> => Boolean(m) && typeof m === "object" && typeof (m as { name?: unknown }).name === "string")
      .map((m) => ({ name: String(m.name), type: String(m.type ?? "counter"), value: Number(m.value), tags: (m.tags ?? undefined) as Record<string, string> | undefined }));
  }
  return message.outputs || message.logs || message.metrics ? message : undefined;
}
