import { UserError, type Plugin, type TaskDefinition, type TriggerDefinition } from "@ferry/sdk";

/**
 * Every task and trigger type the loaded plugins provide, by type name and alias.
 * Two plugins claiming one name is a configuration error, reported at start.
 */
export class PluginRegistry {
  private readonly tasks = new Map<string, TaskDefinition>();
  private readonly triggers = new Map<string, TriggerDefinition>();
  private readonly owners = new Map<string, string>();

  constructor(readonly plugins: Plugin[]) {
    for (const plugin of plugins) {
      for (const task of plugin.tasks) for (const name of [task.type, ...(task.aliases ?? [])]) this.claim(this.tasks, name, task, plugin);
      for (const trigger of plugin.triggers) for (const name of [trigger.type, ...(trigger.aliases ?? [])]) this.claim(this.triggers, name, trigger, plugin);
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
    return `unknown task type '${type}'; loaded plugins: ${this.plugins.map((p) => p.name).join(", ") || "none"}`;
  }

  taskDefinitions(): TaskDefinition[] {
    return [...new Set(this.tasks.values())];
  }

  triggerDefinitions(): TriggerDefinition[] {
    return [...new Set(this.triggers.values())];
  }
}
