import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { getJson } from "../api/client";
import { readEventStream } from "../api/event-stream";
import { LOG_LEVELS, type LogEntry } from "../api/types";

/**
 * Every log line of an execution, streamed over `/logs/{id}/follow` (server-sent events) while
 * the execution runs (read in one answer of `/logs/{id}` once it has ended), shown in a
 * virtualized list: only the rows on screen are in the page, so 100,000 lines scroll as 100
 * do. Lines arriving together are applied once per frame.
 */
export function useLogStream(executionId: string, running: boolean): { lines: LogEntry[]; done: boolean; error?: Error } {
  const [lines, setLines] = useState<LogEntry[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    const controller = new AbortController();
    const buffer: LogEntry[] = [];
    let all: LogEntry[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      all = all.concat(buffer.splice(0));
      setLines(all);
    };
    setLines([]);
    setDone(false);
    if (!running) {
      getJson<LogEntry[]>(`logs/${executionId}`, { signal: controller.signal })
        .then((all) => {
          setLines(all);
          setDone(true);
        })
        .catch((e: Error) => !controller.signal.aborted && setError(e));
      return () => controller.abort();
    }
    void readEventStream(
      `logs/${executionId}/follow`,
      (event) => {
        if (event.event !== "log") return;
        buffer.push(JSON.parse(event.data) as LogEntry);
        frame ||= requestAnimationFrame(flush);
      },
      controller.signal,
    )
      .then(() => {
        if (frame) cancelAnimationFrame(frame);
        flush();
        setDone(true);
      })
      .catch((e: Error) => !controller.signal.aborted && setError(e));
    return () => {
      controller.abort();
      if (frame) cancelAnimationFrame(frame);
    };
    // whether it runs is read when the view opens: an execution ending while followed ends its stream
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [executionId]);
  return { lines, done, error };
}

const time = (iso: string) => iso.slice(11, 23);

export function LogView({ executionId, running, taskIds, initialTask }: { executionId: string; running: boolean; taskIds: string[]; initialTask?: string }) {
  const { lines, done, error } = useLogStream(executionId, running);
  const [minLevel, setMinLevel] = useState<LogEntry["level"]>("TRACE");
  const [search, setSearch] = useState("");
  const [task, setTask] = useState(initialTask ?? "");
  const [follow, setFollow] = useState(true);
  const shown = useMemo(() => {
    const rank = LOG_LEVELS.indexOf(minLevel);
    const needle = search.toLowerCase();
    return lines.filter((l) => LOG_LEVELS.indexOf(l.level) >= rank && (!task || l.taskId === task) && (!needle || l.message.toLowerCase().includes(needle)));
  }, [lines, minLevel, search, task]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => 20, overscan: 30 });
  useEffect(() => {
    if (follow && shown.length) virtual.scrollToIndex(shown.length - 1, { align: "end" });
  }, [follow, shown.length, virtual]);
  return (
    <div>
      <div className="toolbar">
        <label>
          Level
          <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogEntry["level"])} aria-label="Minimum level">
            {LOG_LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Task
          <select value={task} onChange={(e) => setTask(e.target.value)} aria-label="Task">
            <option value="">all</option>
            {taskIds.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search logs" />
        </label>
        <label className="inline">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <span className="muted" role="status" data-testid="log-count">
          {shown.length.toLocaleString()} of {lines.length.toLocaleString()} lines{done ? "" : " · streaming"}
        </span>
      </div>
      {error && <p className="error">{error.message}</p>}
      <div ref={scroller} className="logs" data-testid="logs" onWheel={() => setFollow(false)}>
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {virtual.getVirtualItems().map((row) => {
            const l = shown[row.index];
            return (
              <div key={row.key} className="log-line" style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${row.start}px)` }} title={l.message}>
                <span className="muted">{time(l.timestamp)}</span>
                <span className="level" style={{ color: `var(--${l.level})` }}>
                  {l.level}
                </span>
                <span className="muted">{l.taskId ?? ""}</span>
                <span>{l.message}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
