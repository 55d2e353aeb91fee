import type { InputSpec } from "./flow.types.js";
import type { Path } from "./source-map.js";

type WithDependsOn = Pick<InputSpec, "id"> & { dependsOn?: { inputs?: string[] } };

// read defensively: a flow whose inputs break the schema is still checked for all its problems at once
const dependenciesOf = (input: WithDependsOn): string[] => {
  const ids = input?.dependsOn?.inputs;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
};

/**
 * What Kestra's FlowValidator.checkFlowInputsDependencyGraph refuses at deploy, in its words:
 * a `dependsOn` naming no input of the flow, and inputs that depend on each other in a cycle
 * (no order could resolve them).
 */
export function inputDependencyProblems(declared: WithDependsOn[]): Array<{ path: Path; message: string }> {
  const inputs = declared.filter((input) => typeof input?.id === "string");
  const byId = new Map(inputs.map((input) => [input.id, input]));
  const problems: Array<{ path: Path; message: string }> = [];
  declared.forEach((input, i) => {
    if (typeof input?.id !== "string") return;
    for (const id of dependenciesOf(input)) {
      if (!byId.has(id)) problems.push({ path: ["inputs", i, "dependsOn", "inputs"], message: `Input with id '${input.id}' depends on a non-existent input '${id}'.` });
    }
    const cycle = cycleFrom(input.id, byId);
    if (cycle) problems.push({ path: ["inputs", i, "dependsOn", "inputs"], message: `Cycle dependency detected for input with id '${input.id}': [${cycle.join(", ")}]` });
  });
  return problems;
}

/** a path of dependencies from `start` back to itself, if there is one */
function cycleFrom(start: string, byId: Map<string, WithDependsOn>): string[] | undefined {
  const visit = (id: string, path: string[], seen: Set<string>): string[] | undefined => {
    for (const next of dependenciesOf(byId.get(id) ?? { id })) {
      if (next === start) return [...path, next];
      if (seen.has(next) || !byId.has(next)) continue;
      seen.add(next);
      const found = visit(next, [...path, next], seen);
      if (found) return found;
    }
    return undefined;
  };
  return visit(start, [start], new Set());
}

/**
 * The inputs in the order they can be resolved: each after the inputs it depends on (Kestra
 * resolves a dependency first, wherever it is declared), otherwise as declared. Assumes no
 * cycle (refused at deploy); an unknown dependency is passed over.
 */
export function resolutionOrder<T extends WithDependsOn>(inputs: T[]): T[] {
  const byId = new Map(inputs.map((input) => [input.id, input]));
  const ordered: T[] = [];
  const placed = new Set<string>();
  const place = (input: T, visiting: Set<string>) => {
    if (placed.has(input.id) || visiting.has(input.id)) return;
    visiting.add(input.id);
    for (const id of dependenciesOf(input)) {
      const dependency = byId.get(id);
      if (dependency) place(dependency, visiting);
    }
    placed.add(input.id);
    ordered.push(input);
  };
  for (const input of inputs) place(input, new Set());
  return ordered;
}
