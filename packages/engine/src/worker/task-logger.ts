import { LOG_LEVELS, type LogEntry, type LogLevel, type Queue, type TaskLogger } from "@ferry/sdk";
import { LOGS_CHANNEL } from "../messages.js";
import { SameDelayTimers } from "./same-delay-timers.js";

/** a line waits at most this long for its batch to be sent (all the loggers of a process on one timer) */
const FLUSH_AFTER_MS = 100;
const pendingFlushes = new SameDelayTimers(FLUSH_AFTER_MS);

export interface TaskLoggerOptions {
  /** lines below this level are dropped (the task's `logLevel`) */
  minLevel?: LogLevel;
  /** the task's `logToFile`: lines are kept for a file in internal storage, not sent to the logs */
  toFile?: boolean;
}

/**
 * Collects a task's log lines and sends them to the logs channel in batches; `flush`
 * before reporting the result so the logs land no later than the state. With `toFile`,
 * the lines are kept as the text of a log file instead (Kestra's logToFile).
 */
export class BufferedTaskLogger implements TaskLogger {
  private buffer: LogEntry[] = [];
  private flushPending = false;
  private readonly minRank: number;
  private readonly fileLines: string[] | undefined;

  constructor(
    private readonly queue: Queue,
    private readonly base: Omit<LogEntry, "level" | "message" | "timestamp">,
    private readonly batchSize = 500,
    /** hides the secret values the task resolved, in every line it logs */
    private readonly mask: (message: string) => string = (m) => m,
    options: TaskLoggerOptions = {},
  ) {
    this.minRank = LOG_LEVELS.indexOf(options.minLevel ?? "TRACE");
    this.fileLines = options.toFile ? [] : undefined;
  }

  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS.indexOf(level) < this.minRank) return;
    const timestamp = new Date().toISOString();
    if (this.fileLines) {
      // Kestra's FileAppender pattern, less the thread and logger names Ferry has none of
      this.fileLines.push(`${timestamp} ${level.padEnd(5)} ${this.mask(message)}`);
      return;
    }
    this.buffer.push({ ...this.base, level, message: this.mask(message), timestamp });
    if (this.buffer.length >= this.batchSize) void this.flush();
    else if (!this.flushPending) {
      this.flushPending = true;
      pendingFlushes.add(this, () => void this.flush());
    }
  }

  trace(message: string): void { this.log("TRACE", message); }
  debug(message: string): void { this.log("DEBUG", message); }
  info(message: string): void { this.log("INFO", message); }
  warn(message: string): void { this.log("WARN", message); }
  error(message: string): void { this.log("ERROR", message); }

  /** the log file's text so far (logToFile), or undefined when lines go to the logs */
  fileText(): string | undefined {
    return this.fileLines && `${this.fileLines.join("\n")}${this.fileLines.length ? "\n" : ""}`;
  }

  async flush(): Promise<void> {
    if (this.flushPending) {
      this.flushPending = false;
      pendingFlushes.clear(this);
    }
    if (!this.buffer.length) return;
    const batch = this.buffer;
    this.buffer = [];
    await this.queue.send(LOGS_CHANNEL, batch);
  }
}
