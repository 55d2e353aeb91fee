import type { Queue } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import type { JsonStore } from "../json-store.js";
import type { WorkerJob } from "../messages.js";
import { AttemptReport } from "./attempt-report.js";
import { BufferedTaskLogger } from "./task-logger.js";

describe("an attempt's report", () => {
  it("frees the job's slot (release) once its sends are out, before the queue answers them; a failed send still fails the report", async () => {
    const answers: Array<(error?: Error) => void> = [];
    const sent: unknown[] = [];
    // a queue whose sends are answered only when the test says so
    const queue = {
      send: (_channel: string, message: unknown) => {
        sent.push(message);
        return new Promise<void>((resolve, reject) => answers.push((error) => (error ? reject(error) : resolve())));
      },
    } as unknown as Queue;
    const job = { executionId: "e1", taskRunId: "t1", attempt: 0, task: { id: "hello", type: "core.Log" }, recordsPrefix: "p" } as unknown as WorkerJob;
    const logger = new BufferedTaskLogger(queue, { executionId: "e1", namespace: "n", flowId: "f", taskId: "hello", taskRunId: "t1", attemptNumber: 0 });
    logger.info("a line");
    let released = 0;
    const report = new AttemptReport({ queue, store: {} as JsonStore, workerId: "w", release: () => released++ }, job, logger).report("SUCCESS");
    // the log line and the result are sent, nothing answered: the slot is free already
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ type: "result", state: "SUCCESS" });
    expect(released).toBe(1);
    let settled = false;
    void report.finally(() => (settled = true)).catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    answers[0]();
    answers[1](new Error("Redis is out of reach"));
    await expect(report).rejects.toThrow(/out of reach/);
  });
});
