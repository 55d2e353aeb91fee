import { EXECUTION_STATES } from "@ferry/sdk/basics";
import { UsageError } from "../exit-codes.js";

export const executionPath = (id: string, rest = "") => `/api/v1/executions/${encodeURIComponent(id)}${rest}`;

/** the search filters `executions list` and `executions purge` share, as query parameters */
export function executionFilters(options: { namespace?: string; flow?: string; state: string[]; label: string[] }, query: URLSearchParams): URLSearchParams {
  if (options.namespace) query.set("namespace", options.namespace);
  if (options.flow) query.set("flowId", options.flow);
  const states = options.state.flatMap((v) => v.split(",")).map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of states) {
    if (!EXECUTION_STATES.includes(s as never)) throw new UsageError(`--state '${s}' is not an execution state (one of ${EXECUTION_STATES.join(", ")})`);
    query.append("state", s);
  }
  for (const label of options.label) {
    if (label.indexOf(":") <= 0) throw new UsageError(`--label '${label}' is not key:value`);
    query.append("labels", label);
  }
  return query;
}
