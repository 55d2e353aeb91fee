import { definePlugin } from "@ferry/sdk";
import { acmeConnectionType } from "./api.connection.js";
import { helloTask } from "./hello.task.js";

export { acmeConnectionType, helloTask };

/** What `plugins: [./ferry-plugin-acme]` (or the npm name) loads. */
export default definePlugin({
  name: "ferry-plugin-acme",
  version: "0.1.0",
  tasks: [helloTask],
  connectionTypes: [acmeConnectionType],
});
