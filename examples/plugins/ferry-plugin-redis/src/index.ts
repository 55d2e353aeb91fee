import { definePlugin } from "@ferry/sdk";
import { redisConnectionType } from "./redis.connection.js";
import { getTask, listPopTask, listPushTask, setTask } from "./redis.tasks.js";

export { getTask, listPopTask, listPushTask, redisConnectionType, setTask };

export default definePlugin({ name: "ferry-plugin-redis", version: "0.1.0", tasks: [getTask, setTask, listPushTask, listPopTask], connectionTypes: [redisConnectionType] });
