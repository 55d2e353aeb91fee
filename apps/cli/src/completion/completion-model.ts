import type { Command } from "commander";

/** an option as completion sees it */
export interface OptionSpec {
  flags: string[];
  takesValue: boolean;
  choices?: readonly string[];
  description: string;
}

/** one command of the tree, by its path from the program (`ferry flow deploy`) */
export interface CommandSpec {
  path: string;
  name: string;
  description: string;
  subcommands: CommandSpec[];
  options: OptionSpec[];
  /** the values its first argument may take, when it says (`completion <shell>`) */
  argChoices: readonly string[];
}

const HELP: OptionSpec = { flags: ["-h", "--help"], takesValue: false, description: "display help for command" };

/** the command tree as commander holds it: what every shell's script is written from */
export function commandTree(command: Command, parent?: string): CommandSpec {
  const path = parent ? `${parent} ${command.name()}` : command.name();
  return {
    path,
    name: command.name(),
    description: command.description(),
    subcommands: command.commands.map((c) => commandTree(c, path)),
    argChoices: command.registeredArguments[0]?.argChoices ?? [],
    options: [
      ...command.options
        .filter((o) => !o.hidden)
        .map((o) => ({
          flags: [o.short, o.long].filter((f): f is string => Boolean(f)),
          takesValue: o.required || o.optional,
          choices: o.argChoices,
          description: o.description,
        })),
      HELP,
    ],
  };
}

/** every command of the tree, the program first */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** the flags of options that take a value, space-separated */
export const valuedFlags = (c: CommandSpec): string => c.options.filter((o) => o.takesValue).flatMap((o) => o.flags).join(" ");

/** the first sentence of a description, for the shells that show one */
export const shortDescription = (text: string): string => text.split(/[;:(]/)[0].trim();
