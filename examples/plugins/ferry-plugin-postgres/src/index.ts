import { definePlugin } from "@ferry/sdk";
import { queryTask } from "./query.task.js";

export { queryTask };

export default definePlugin({ name: "ferry-plugin-postgres", version: "0.1.0", tasks: [queryTask] });
