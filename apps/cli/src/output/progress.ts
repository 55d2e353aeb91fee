import type { MultiBar, SingleBar } from "cli-progress";
import { createRequire } from "node:module";
import { isInteractive } from "./terminal.js";

/** cli-progress (~0.1 s to load) only when a bar is drawn: never for `ferry server`, nor off a terminal */
const cliProgress = () => createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress");

/**
 * Progress of a long command (a folder of flows, namespace files, KV pairs, a purge): a bar
 * with counts on a terminal (cli-progress), nothing at all when stdout or stderr is not a
 * terminal or in CI. The command's result lines go through `line()`, above the bar when
 * there is one, to stdout otherwise.
 */
export class Progress {
  private readonly multi?: MultiBar;
  private bar?: SingleBar;
  /** Ctrl-C while the bar is drawn: give the cursor back (the bar hides it), then stop as a shell expects */
  private readonly interrupt = () => {
    this.stop();
    process.exit(130);
  };

  constructor(enabled = isInteractive(process.stdout) && isInteractive(process.stderr)) {
    if (enabled) {
      process.on("SIGINT", this.interrupt);
      const { MultiBar, Presets } = cliProgress();
      this.multi = new MultiBar(
        { format: "{phase} [{bar}] {value}/{total}", hideCursor: true, clearOnComplete: true, stream: process.stderr, fps: 10, barsize: 30 },
        Presets.shades_classic,
      );
    }
  }

  /** a new phase of `total` steps (planning, then applying) */
  phase(name: string, total: number): void {
    if (!this.multi) return;
    if (this.bar) {
      this.multi.update(); // the phase's last count is drawn (frames are drawn 10 times a second at most)
      this.multi.remove(this.bar);
    }
    this.bar = this.multi.create(total, 0, { phase: name.padEnd(10) });
  }

  tick(): void {
    this.bar?.increment();
  }

  /** a line of the command's output */
  line(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else console.log(text);
  }

  /** a line about something wrong: above the bar, or to stderr */
  errorLine(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else console.error(text);
  }

  stop(): void {
    process.off("SIGINT", this.interrupt);
    if (!this.multi) return;
    this.multi.update(); // writes what line() queued; stop() alone would drop it
    this.multi.stop();
  }
}
