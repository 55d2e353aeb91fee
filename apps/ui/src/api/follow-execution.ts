import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { readEventStream } from "./event-stream";
import { TERMINAL, type Execution } from "./types";

/**
 * Keeps the cached execution current over `/executions/{id}/follow` (server-sent events, one
 * `execution` event per change) until it ends; reconnects if the stream drops while it runs.
 */
export function useFollowExecution(id: string, current?: Execution): void {
  const queryClient = useQueryClient();
  const running = current !== undefined && !TERMINAL.has(current.state.current);
  useEffect(() => {
    if (!running) return;
    const controller = new AbortController();
    let last: Execution | undefined;
    const follow = async () => {
      while (!controller.signal.aborted) {
        await readEventStream(
          `executions/${id}/follow`,
          (event) => {
            if (event.event !== "execution") return;
            last = JSON.parse(event.data) as Execution;
            queryClient.setQueryData(["execution", id], last);
          },
          controller.signal,
        ).catch(() => new Promise((r) => setTimeout(r, 1000)));
        if (last && TERMINAL.has(last.state.current)) break;
      }
    };
    void follow();
    return () => controller.abort();
  }, [id, running, queryClient]);
}
