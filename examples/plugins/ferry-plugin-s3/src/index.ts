import { definePlugin } from "@ferry/sdk";
import { s3ConnectionType } from "./s3.connection.js";
import { deleteTask, downloadTask, listTask, uploadTask } from "./s3.tasks.js";

export { deleteTask, downloadTask, listTask, s3ConnectionType, uploadTask };

export default definePlugin({ name: "ferry-plugin-s3", version: "0.1.0", tasks: [uploadTask, downloadTask, listTask, deleteTask], connectionTypes: [s3ConnectionType] });
