import { renderValue, type OutputSpec, type RenderContext } from "@ferry/core";
import { errorMessage } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";

/**
 * Renders a flow's declared outputs as Kestra's FlowInputOutput.renderFlowOutputs does: a
 * required output (the default) that fails to render, or renders to nothing, fails the
 * execution (the error is thrown); an optional one (`required: false`) is logged as a WARN and
 * left null.
 */
export async function renderFlowOutputs(outputs: OutputSpec[], ctx: RenderContext, state: ExecutionState): Promise<Record<string, unknown>> {
  const rendered: Record<string, unknown> = {};
  for (const output of outputs) {
    if (output.required === false) {
      try {
        rendered[output.id] = (await renderValue(output.value, ctx)) ?? null;
      } catch (error) {
        state.log("WARN", `Failed to render optional flow output '${output.id}'. Output is ignored: ${errorMessage(error)}`);
        rendered[output.id] = null;
      }
      continue;
    }
    const value = await renderValue(output.value, ctx);
    if (value === null || value === undefined) throw new Error(`Invalid value for output \`${output.id}\`: missing required output`);
    rendered[output.id] = value;
  }
  return rendered;
}
