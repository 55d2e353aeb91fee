import { definePlugin } from "@ferry/sdk";
import { mysqlConnectionType } from "./mysql.connection.js";
import { queryTask } from "./query.task.js";

export { mysqlConnectionType, queryTask };

export default definePlugin({ name: "ferry-plugin-mysql", version: "0.1.0", tasks: [queryTask], connectionTypes: [mysqlConnectionType] });
