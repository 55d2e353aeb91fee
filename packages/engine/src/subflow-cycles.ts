import { formatPath, sourceLine, subflowCalls, type Flow, type PluginRegistry } from "@ferry/core";
import { NotFoundError, UserError } from "@ferry/sdk";
import type { FlowStore } from "./flow-store.js";

/**
 * Refuses a flow that would call itself through a chain of Subflow tasks (a → b → a),
 * following the latest revisions of the flows its calls name, where they are written out.
 * Kestra refuses the direct call (the flow parser does too); a chain it would run until the
 * executor gives up, so Ferry refuses it when saving, naming the chain.
 */
export async function assertNoSubflowCycle(flow: Flow, source: string, flows: FlowStore, registry: PluginRegistry): Promise<void> {
  const self = `${flow.namespace}.${flow.id}`;
  for (const first of subflowCalls(flow, registry)) {
    const seen = new Set<string>();
    const queue: Array<{ namespace: string; flowId: string; chain: string[] }> = [{ namespace: first.namespace, flowId: first.flowId, chain: [`${first.namespace}.${first.flowId}`] }];
    while (queue.length) {
      const next = queue.shift()!;
      const key = `${next.namespace}.${next.flowId}`;
      if (key === self) {
        const line = sourceLine(source, first.path);
        const where = [formatPath(first.path), line ? `line ${line}` : undefined].filter(Boolean).join(", ");
        const message = `Recursive call to flow [${self}] through ${[self, ...next.chain].join(" → ")}`;
        throw new UserError(`invalid flow: ${message} (${where})`, { errors: [{ path: formatPath(first.path), message, line }] });
      }
      if (seen.has(key) || seen.size > 1000) continue;
      seen.add(key);
      let callee: Flow;
      try {
        callee = await flows.get(next.namespace, next.flowId);
      } catch (error) {
        if (error instanceof NotFoundError) continue;
        throw error;
      }
      for (const call of subflowCalls(callee, registry)) queue.push({ namespace: call.namespace, flowId: call.flowId, chain: [...next.chain, `${call.namespace}.${call.flowId}`] });
    }
  }
}
