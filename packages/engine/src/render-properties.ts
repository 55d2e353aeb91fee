import { COMMON_TASK_KEYS, formatPath, renderValue, type RenderContext, type TaskSpec } from "@ferry/core";
import { UserError, type TaskDefinition } from "@ferry/sdk";

/**
 * Renders a task's own properties and checks them against its schema. Child task lists
 * of flowables and the type's raw properties are left for later rendering.
 */
export async function renderProperties(def: TaskDefinition, spec: TaskSpec, ctx: RenderContext): Promise<unknown> {
  const keep = new Set<string>([...(def.kind === "flowable" ? def.taskProperties : []), ...("rawProperties" in def ? def.rawProperties ?? [] : [])]);
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (COMMON_TASK_KEYS.has(key)) continue;
    props[key] = keep.has(key) ? value : await renderValue(value, ctx);
  }
  const parsed = def.properties.safeParse(props);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`task '${spec.id}' (${spec.type}): property ${formatPath(issue.path as Array<string | number>) || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
