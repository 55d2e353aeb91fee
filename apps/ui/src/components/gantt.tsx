import type { Execution } from "../api/types";
import { TERMINAL } from "../api/types";
import { formatDuration, spanOf } from "./common";

/**
 * Task runs on one time axis, each attempt a bar in its final state's colour: what ran when,
 * for how long, and where the retries went. Rows keep their order as runs are added (no jump).
 */
export function Gantt({ execution }: { execution: Execution }) {
  const whole = spanOf(execution.state, TERMINAL);
  const total = Math.max(1, whole.end - whole.start);
  const pct = (t: number) => `${(Math.max(0, t - whole.start) / total) * 100}%`;
  return (
    <div className="card" data-testid="gantt">
      <div className="gantt-row muted">
        <span>Task</span>
        <span>0 → {formatDuration(total)}</span>
        <span>Duration</span>
      </div>
      {execution.taskRunList.map((run) => {
        const span = spanOf(run.state, TERMINAL);
        const attempts = run.attempts.length ? run.attempts : [{ state: run.state }];
        return (
          <div className="gantt-row" key={run.id} title={`${run.taskId}${run.value ? ` [${run.value}]` : ""}: ${run.state.current}`}>
            <span className="mono" style={{ overflow: "hidden", textOverflow: "ellipsis" }}>
              {run.taskId}
              {run.value ? <span className="muted"> [{run.value}]</span> : null}
            </span>
            <div className="gantt-track">
              {attempts.map((attempt, i) => {
                const a = spanOf(attempt.state, TERMINAL);
                return <div key={i} className="gantt-bar" style={{ left: pct(a.start), width: `calc(${pct(a.end)} - ${pct(a.start)})`, background: `var(--${attempt.state.current})`, opacity: i < attempts.length - 1 ? 0.6 : 1 }} />;
              })}
            </div>
            <span className="muted">{formatDuration(span.end - span.start)}</span>
          </div>
        );
      })}
      {!execution.taskRunList.length && <p className="muted">No task has started yet.</p>}
    </div>
  );
}
