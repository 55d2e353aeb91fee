import type { TriggerRef, TriggerStateRecord } from "../model.js";

/**
 * Trigger states. A trigger's `lastFire` only moves forward, and `recordTriggerFire` never
 * touches `disabled` (an operator's switch is not overwritten by a scheduler).
 */
export interface TriggerRepository {
  /** trigger states of one namespace (and its children) or flow, or all; `updatedAfter` keeps those written after it (ISO-8601 UTC) */
  listTriggerStates(query?: { namespace?: string; flowId?: string; updatedAfter?: string }): Promise<TriggerStateRecord[]>;
  /** stores the state when the trigger has none yet; returns the stored state either way */
  initTriggerState(state: TriggerStateRecord): Promise<TriggerStateRecord>;
  /** sets lastFire (and nextFire) if `fire` is later than the stored lastFire */
  recordTriggerFire(ref: TriggerRef, fire: string, next?: string): Promise<void>;
  setTriggerDisabled(ref: TriggerRef, disabled: boolean): Promise<TriggerStateRecord>;
}
