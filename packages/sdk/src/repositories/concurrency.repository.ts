import type { ConcurrencySlotRecord } from "../model.js";

/**
 * Flow concurrency slots. Of a flow's executions, at most `limit` hold a slot at once, however
 * many processes acquire together; waiting executions get slots oldest `queuedAt` first (a
 * later one never takes a slot while an earlier one waits); acquiring again answers what the
 * execution already has.
 */
export interface ConcurrencyRepository {
  /**
   * Takes a slot under the flow's concurrency `limit` for the execution, atomically: "running"
   * when it holds one (already, or now), "waiting" when it stands in line (`wait`: Kestra's
   * QUEUE), "refused" when no slot is free and it may not wait (CANCEL, FAIL: no trace kept).
   */
  acquireConcurrencySlot(slot: Omit<ConcurrencySlotRecord, "running">, wait: boolean): Promise<"running" | "waiting" | "refused">;
  /**
   * Frees the execution's slot or place in line (nothing when it had none); answers the
   * waiting executions of its flow that a slot is now free for, oldest first.
   */
  releaseConcurrencySlot(executionId: string): Promise<string[]>;
  /** the flow's slots and line, holders first, then the line in order */
  listConcurrencySlots(namespace: string, flowId: string): Promise<ConcurrencySlotRecord[]>;
  /**
   * The net under lost messages and crashes: frees the slots and places of executions that
   * ended or are gone; answers every waiting execution a slot is free for, oldest first.
   */
  repairConcurrencySlots(): Promise<{ released: number; admissible: string[] }>;
}
