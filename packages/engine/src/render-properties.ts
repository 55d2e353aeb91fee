import { COMMON_TASK_KEYS, formatPath, renderValue, type RenderContext, type TaskSpec } from "@ferry/core";
import { UserError, type TaskDefinition } from "@ferry/sdk";
import { boxDoubles } from "./written-doubles.js";

type Path = Array<string | number>;

const startsWith = (path: Path, prefix: Path) => prefix.length <= path.length && prefix.every((part, i) => String(part) === String(path[i]));

/**
 * Renders a task's own properties and checks them against its schema. Child task lists
 * of flowables and the type's raw properties are left for later rendering.
 */
export async function renderProperties(def: TaskDefinition, spec: TaskSpec, ctx: RenderContext, doubles?: readonly Path[]): Promise<unknown> {
  const keep = new Set<string>([...(def.kind === "flowable" ? def.taskProperties : []), ...("rawProperties" in def ? def.rawProperties ?? [] : [])]);
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (COMMON_TASK_KEYS.has(key)) continue;
    props[key] = keep.has(key) ? value : await renderValue(value, ctx);
  }
  // the whole floats the flow wrote (`1.0`): Doubles, as Kestra's Jackson reads them, in the rendered properties only
  const written = (doubles ?? []).filter((path) => !keep.has(String(path[0])));
  let parsed = def.properties.safeParse(boxDoubles(props, written));
  if (!parsed.success && written.length) {
    // a Double where the schema takes a number (an int property): the plain number, as Jackson coerces 1.0 to an int
    const issues = parsed.error.issues.map((issue) => issue.path as Path);
    const kept = written.filter((path) => !issues.some((at) => startsWith(at, path) || startsWith(path, at)));
    parsed = def.properties.safeParse(boxDoubles(props, kept));
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`task '${spec.id}' (${spec.type}): property ${formatPath(issue.path as Array<string | number>) || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}
