import { EventEmitter } from "node:events";
import type { ExecutionState } from "@ferry/sdk";

export interface ExecutionChange {
  executionId: string;
  state: ExecutionState;
}

/**
 * In-process notifications after the executor saved a change: `?wait=true` and the
 * follow endpoint listen here instead of polling the repository.
 */
export class EngineEvents extends EventEmitter<{ execution: [ExecutionChange] }> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
