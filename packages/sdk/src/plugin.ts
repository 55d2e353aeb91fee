import type { ConnectionTypeDefinition } from "./connection.js";
import type { TaskDefinition } from "./task.js";
import type { TriggerDefinition } from "./trigger.js";

/** The SDK major version a plugin was built against; the loader refuses other majors. */
export const SDK_MAJOR = 0;

export interface Plugin {
  name: string;
  version: string;
  sdkMajor: number;
  tasks: TaskDefinition[];
  triggers: TriggerDefinition[];
  /** connection types its tasks (or any plugin's) use; absent in plugins built before connections */
  connectionTypes?: ConnectionTypeDefinition[];
}

export function definePlugin(plugin: {
  name: string;
  version: string;
  tasks?: TaskDefinition[];
  triggers?: TriggerDefinition[];
  connectionTypes?: ConnectionTypeDefinition[];
}): Plugin {
  return { sdkMajor: SDK_MAJOR, tasks: [], triggers: [], connectionTypes: [], ...plugin };
}
