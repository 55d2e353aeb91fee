import { queueContract } from "@ferry/testkit";
import { createMemoryQueue } from "./memory.queue.js";

queueContract("memory", async () => createMemoryQueue());
