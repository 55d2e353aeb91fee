import { EventEmitter } from "node:events";
import type { ExecutionState } from "@ferry/sdk";

export interface ExecutionChange {
  executionId: string;
  namespace: string;
  flowId: string;
  state: ExecutionState;
}

/**
 * In-process notifications after the executor saved a change: `?wait=true`, the follow
 * endpoint and Flow triggers listen here instead of polling the repository.
 */
export class EngineEvents extends EventEmitter<{ execution: [ExecutionChange] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
