import { parseFlow, type PluginDefault, type PluginRegistry } from "@ferry/core";
import { UserError, type Repository, type RunContext, type Storage } from "@ferry/sdk";
import { executionFilesAccess } from "./execution-files.js";
import { executionsAccess } from "./execution-reads.js";
import { namespaceFilesAccess } from "./namespace-files-access.js";
import { runNestedTask } from "./nested-task.js";
import type { SecretMasker } from "./secret-masker.js";
import { triggersAccess } from "./triggers-access.js";

export interface TaskServicesInput {
  storage: Storage;
  /** asked for lazily; absent, what needs it fails saying so */
  repository?: () => Promise<Repository>;
  registry: PluginRegistry;
  masker: SecretMasker;
  execution: { id: string; namespace: string; flowId: string; flowRevision?: number };
}

type Services = Pick<RunContext, "executions" | "namespaceFiles" | "executionFiles" | "triggers" | "runTask">;

/**
 * The run-context capabilities that reach past the task run itself: executions' counts and
 * logs, namespace files, the execution's files, triggers, and running a nested task. `self`
 * gives the finished run context (runTask runs the nested task with it).
 */
export function taskServices(input: TaskServicesInput, self: () => RunContext): Services {
  const { storage, registry, masker, execution } = input;
  const repository =
    input.repository ??
    (async (): Promise<never> => {
      throw new UserError("this worker was started without a repository: it cannot read executions, logs or triggers");
    });
  const flow = { namespace: execution.namespace, flowId: execution.flowId };
  return {
    executions: executionsAccess(repository, { executionId: execution.id, ...flow }),
    namespaceFiles: namespaceFilesAccess(storage, execution.namespace, masker),
    executionFiles: executionFilesAccess(storage, repository, execution.id),
    triggers: triggersAccess(repository, registry, flow),
    // a context without a repository runs a task alone (the testkit): no flow, so no flow defaults
    runTask: (spec) => runNestedTask(registry, spec, self(), input.repository ? () => flowPluginDefaults(repository, registry, execution) : undefined),
  };
}

/** the pluginDefaults of the revision of the flow the execution runs (a nested task gets those of its type) */
async function flowPluginDefaults(repository: () => Promise<Repository>, registry: PluginRegistry, execution: TaskServicesInput["execution"]): Promise<PluginDefault[]> {
  const record = await (await repository()).getFlow(execution.namespace, execution.flowId, execution.flowRevision);
  if (!record) throw new UserError(`flow ${execution.namespace}.${execution.flowId} (revision ${execution.flowRevision ?? "latest"}) is not in the repository: its pluginDefaults cannot be applied to the nested task`);
  return parseFlow(record.source, registry).pluginDefaults ?? [];
}
