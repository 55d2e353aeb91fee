import { definePlugin } from "@ferry/sdk";
import { helloTask } from "./hello.task.js";

export { helloTask };

/** What `plugins: [./ferry-plugin-acme]` (or the npm name) loads. */
export default definePlugin({
  name: "ferry-plugin-acme",
  version: "0.1.0",
  tasks: [helloTask],
});
