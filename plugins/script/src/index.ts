import { definePlugin } from "@ferry/sdk";
import { bashTask } from "./bash.task.js";
import { denoTask } from "./deno.task.js";
import { nodeTask } from "./node.task.js";
import { pythonTask } from "./python.task.js";
import { shellTask } from "./shell.task.js";

export { bashTask, denoTask, nodeTask, pythonTask, shellTask };

export default definePlugin({
  name: "@ferry/plugin-script",
  version: "0.1.0",
  tasks: [bashTask, denoTask, nodeTask, pythonTask, shellTask],
});
