import { UserError, type ConnectionTypeDefinition, type Plugin, type TaskDefinition, type TriggerDefinition } from "@ferry/sdk";
import { kestraUnsupported } from "./kestra-unsupported.js";

/**
 * Every task, trigger and connection type the loaded plugins provide, by type name and alias.
 * Two plugins claiming one name is a configuration error, reported at start.
 */
export class PluginRegistry {
  private readonly tasks = new Map<string, TaskDefinition>();
  private readonly triggers = new Map<string, TriggerDefinition>();
  private readonly connectionTypes = new Map<string, ConnectionTypeDefinition>();
  private readonly owners = new Map<string, string>();
  private readonly connectionOwners = new Map<string, string>();

  constructor(readonly plugins: Plugin[]) {
    for (const plugin of plugins) {
      for (const task of plugin.tasks) for (const name of [task.type, ...(task.aliases ?? [])]) this.claim(this.tasks, name, task, plugin);
      for (const trigger of plugin.triggers) for (const name of [trigger.type, ...(trigger.aliases ?? [])]) this.claim(this.triggers, name, trigger, plugin);
      // a name space of their own: connection type `postgres` does not clash with a task type
      for (const type of plugin.connectionTypes ?? []) {
        const owner = this.connectionOwners.get(type.type);
        if (owner) throw new UserError(`connection type '${type.type}' is claimed by both plugin '${owner}' and plugin '${plugin.name}'`);
        this.connectionOwners.set(type.type, plugin.name);
        this.connectionTypes.set(type.type, type);
      }
    }
  }

  private claim<T>(map: Map<string, T>, name: string, value: T, plugin: Plugin) {
    const owner = this.owners.get(name);
    if (owner && map.has(name)) throw new UserError(`type '${name}' is claimed by both plugin '${owner}' and plugin '${plugin.name}'`);
    this.owners.set(name, plugin.name);
    map.set(name, value);
  }

  task(type: string): TaskDefinition | undefined {
    return this.tasks.get(type);
  }

  trigger(type: string): TriggerDefinition | undefined {
    return this.triggers.get(type);
  }

  /** the task definition, or a UserError naming the type and the loaded plugins */
  requireTask(type: string): TaskDefinition {
    const task = this.tasks.get(type);
    if (!task) throw new UserError(this.unknownTypeMessage(type));
    return task;
  }

  unknownTypeMessage(type: string): string {
    return kestraUnsupported(type) ?? `unknown task type '${type}'; loaded plugins: ${this.plugins.map((p) => p.name).join(", ") || "none"}`;
  }

  unknownTriggerMessage(type: string): string {
    return kestraUnsupported(type) ?? `unknown trigger type '${type}'`;
  }

  connectionType(type: string): ConnectionTypeDefinition | undefined {
    return this.connectionTypes.get(type);
  }

  connectionTypeDefinitions(): ConnectionTypeDefinition[] {
    return [...this.connectionTypes.values()];
  }

  unknownConnectionTypeMessage(type: string): string {
    return `unknown connection type '${type}'; known types: ${[...this.connectionTypes.keys()].sort().join(", ") || "none (no loaded plugin declares one)"}`;
  }

  taskDefinitions(): TaskDefinition[] {
    return [...new Set(this.tasks.values())];
  }

  triggerDefinitions(): TriggerDefinition[] {
    return [...new Set(this.triggers.values())];
  }
}
