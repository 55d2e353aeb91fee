import { createLogUpdate } from "log-update";
import { isEnded, runName } from "../client/api-types.js";
import { logLine } from "../output/log-line.js";
import { colors, colorState, humanDuration } from "../output/terminal.js";
import type { FollowSink } from "./follow-execution.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const ICONS: Record<string, string> = { SUCCESS: colors.green("✓"), WARNING: colors.yellow("!"), FAILED: colors.red("✗"), KILLED: colors.red("■"), SKIPPED: colors.dim("-") };

interface Running {
  name: string;
  state: string;
  since: number;
  attempt?: number;
}

/**
 * The live view on a terminal (log-update: it rewrites the lines it drew last, wrapping and
 * clearing as the terminal's width needs, where hand-written escape codes break on resize).
 * Ended task runs and log lines are written above it for good; below them, redrawn ten times
 * a second, the task runs still going and the execution's state and time.
 */
export function liveSink(stream: NodeJS.WriteStream = process.stdout): FollowSink {
  // a terminal that says it has 0 rows or columns (a pseudo-terminal nobody sized) gets 80×24:
  // log-update draws nothing in 0 rows
  const sized = { isTTY: true, write: (text: string) => stream.write(text), get columns() { return stream.columns || 80; }, get rows() { return stream.rows || 24; } };
  const update = createLogUpdate(sized as unknown as NodeJS.WriteStream);
  const running = new Map<string, Running>();
  let execution: { id: string; state: string; since: number; until?: number } | undefined;
  let ended = false;
  let notice: string | undefined;
  let frame = 0;

  const draw = () => {
    if (ended) return;
    const spin = colors.cyan(SPINNER[frame++ % SPINNER.length]);
    const now = Date.now();
    // a loop of a thousand task runs keeps to the screen: the first ones, and how many more
    const room = Math.max(1, sized.rows - 3);
    const all = [...running.values()];
    const lines = all
      .slice(0, all.length > room ? room - 1 : room)
      .map((r) => `${spin} ${r.name}  ${colorState(r.state)}  ${humanDuration(now - r.since)}${r.attempt && r.attempt > 1 ? colors.dim(`  attempt ${r.attempt}`) : ""}`);
    if (all.length > room) lines.push(colors.dim(`  … and ${all.length - room + 1} more`));
    if (execution) lines.push(`${colors.bold("execution")} ${execution.id}  ${colorState(execution.state)}  ${humanDuration((execution.until ?? now) - execution.since)}`);
    if (notice) lines.push(colors.yellow(notice));
    update(lines.join("\n"));
  };
  const timer = setInterval(draw, 100);

  return {
    event(event) {
      switch (event.event) {
        case "execution":
          if (!execution) update.persist(`${colors.bold("execution")} ${event.id} of ${event.namespace}.${event.flowId}`);
          execution = { id: event.id, state: event.state, since: execution?.since ?? Date.parse(event.date) };
          if (isEnded(event.state)) execution.until = Date.parse(event.date);
          break;
        case "taskrun": {
          const name = runName(event);
          if (isEnded(event.state)) {
            running.delete(event.id);
            const attempt = event.attempt && event.attempt > 1 ? colors.dim(`  attempt ${event.attempt}`) : "";
            update.persist(`${ICONS[event.state] ?? " "} ${name}  ${colorState(event.state)}  ${humanDuration(event.durationMs ?? Number.NaN)}${attempt}`);
          } else {
            if (event.state === "RETRYING") update.persist(`${colors.yellow("↻")} ${name}  attempt ${event.attempt ?? 1} failed, retrying`);
            if (event.state === "PAUSED") update.persist(`${colors.yellow("⏸")} ${name}  paused: ferry executions resume ${execution?.id ?? "<id>"} [--input key=value]`);
            const since = running.get(event.id)?.since ?? Date.parse(event.date);
            running.set(event.id, { name, state: event.state, since, attempt: event.attempt });
          }
          break;
        }
        case "log":
          update.persist(logLine(event));
          break;
        case "end":
          running.clear();
          execution = undefined;
          update.clear();
          update.persist(`${ICONS[event.state] ?? " "} ${colors.bold("execution")} ${event.id}  ${colorState(event.state)}  in ${humanDuration(event.durationMs ?? Number.NaN)}`);
          ended = true;
          break;
      }
      draw();
    },
    snapshot() {
      notice = undefined;
    },
    notice(text) {
      notice = text;
      draw();
    },
    close() {
      clearInterval(timer);
      if (!ended) update.done(); // what was still running when following stopped stays on screen
    },
  };
}
