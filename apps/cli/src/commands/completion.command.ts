import { Argument, type Command } from "commander";
import { bashCompletion } from "../completion/bash.completion.js";
import { commandTree } from "../completion/completion-model.js";
import { fishCompletion } from "../completion/fish.completion.js";
import { zshCompletion } from "../completion/zsh.completion.js";

const SHELLS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion } as const;

export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script, generated from ferry's own commands and options")
    .addArgument(new Argument("<shell>", "the shell").choices(Object.keys(SHELLS)))
    .addHelpText(
      "after",
      `
Load it in the current shell, or for good:
  bash  source <(ferry completion bash)     ferry completion bash > /etc/bash_completion.d/ferry
  zsh   source <(ferry completion zsh)      ferry completion zsh > "\${fpath[1]}/_ferry"
  fish  ferry completion fish | source      ferry completion fish > ~/.config/fish/completions/ferry.fish`,
    )
    .action((shell: keyof typeof SHELLS) => {
      // the tree from the program itself: every command and option added later is completed too
      let root: Command = program;
      while (root.parent) root = root.parent;
      process.stdout.write(SHELLS[shell](commandTree(root)));
    });
}
