import type { FlowRecord, Page, PageRequest } from "../model.js";

/**
 * Flows and their revisions.
 *
 * - `saveFlow` creates revision 1, then a new revision only when the source changed; saving
 *   identical source returns the current revision unchanged. Concurrent saves of one flow are
 *   serialized: each gets its own revision (or the unchanged one), none fails for having raced
 *   another; revisions stay 1, 2, 3… without gaps or duplicates (until `deleteFlowRevisions`
 *   removes old ones; numbers are never reused).
 */
export interface FlowRepository {
  /**
   * `only: "create"` saves only when the flow has no live revision (else ConflictError, nothing
   * written); `only: "update"` only when it has one (else NotFoundError). Checked in the same
   * transaction as the save, so a concurrent create or delete cannot slip between.
   */
  saveFlow(flow: { namespace: string; id: string; source: string }, options?: { only?: "create" | "update" }): Promise<{ flow: FlowRecord; created: boolean; changed: boolean }>;
  getFlow(namespace: string, id: string, revision?: number): Promise<FlowRecord | undefined>;
  listFlowRevisions(namespace: string, id: string): Promise<FlowRecord[]>;
  searchFlows(query: { namespace?: string; q?: string } & PageRequest): Promise<Page<FlowRecord>>;
  /** marks every revision deleted; returns false when there was no live flow */
  deleteFlow(namespace: string, id: string): Promise<boolean>;
  /**
   * Removes the named revisions of a flow (Kestra's PurgeFlows), never its latest one: a
   * latest revision among them stays, checked in the same transaction as the delete, so a save
   * racing the purge cannot lose the flow. Later saves continue from the highest revision kept.
   * Returns how many revisions went.
   */
  deleteFlowRevisions(namespace: string, id: string, revisions: number[]): Promise<number>;
  /**
   * What changed since `since` (ISO-8601 UTC, compared with `updated`; "" for everything): the
   * latest revision of every flow saved or deleted after it, deleted ones with `deleted: true`.
   * A server's trigger index follows other replicas' saves with it, without reading every flow.
   */
  listFlowChanges(since: string): Promise<FlowRecord[]>;
}
