import { definePlugin } from "@ferry/sdk";
import { queryTask } from "./query.task.js";
import { postgresConnectionType } from "./postgres.connection.js";

export { postgresConnectionType, queryTask };

export default definePlugin({ name: "ferry-plugin-postgres", version: "0.1.0", tasks: [queryTask], connectionTypes: [postgresConnectionType] });
