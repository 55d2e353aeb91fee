import type { LogEntry, LogLevel, Queue, TaskLogger } from "@ferry/sdk";
import { LOGS_CHANNEL } from "../messages.js";

/**
 * Collects a task's log lines and sends them to the logs channel in batches; `flush`
 * before reporting the result so the logs land no later than the state.
 */
export class BufferedTaskLogger implements TaskLogger {
  private buffer: LogEntry[] = [];
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly queue: Queue,
    private readonly base: Omit<LogEntry, "level" | "message" | "timestamp">,
    private readonly batchSize = 500,
    /** hides the secret values the task resolved, in every line it logs */
    private readonly mask: (message: string) => string = (m) => m,
  ) {}

  log(level: LogLevel, message: string): void {
    this.buffer.push({ ...this.base, level, message: this.mask(message), timestamp: new Date().toISOString() });
    if (this.buffer.length >= this.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 100);
  }

  trace(message: string): void { this.log("TRACE", message); }
  debug(message: string): void { this.log("DEBUG", message); }
  info(message: string): void { this.log("INFO", message); }
  warn(message: string): void { this.log("WARN", message); }
  error(message: string): void { this.log("ERROR", message); }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer.length) return;
    const batch = this.buffer;
    this.buffer = [];
    await this.queue.send(LOGS_CHANNEL, batch);
  }
}
