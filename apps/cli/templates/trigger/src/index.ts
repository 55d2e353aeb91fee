import { definePlugin } from "@ferry/sdk";
import { workdaysTrigger } from "./workdays.trigger.js";

export { workdaysTrigger };

/** What `plugins: [./ferry-plugin-acme]` (or the npm name) loads. */
export default definePlugin({
  name: "ferry-plugin-acme",
  version: "0.1.0",
  triggers: [workdaysTrigger],
});
