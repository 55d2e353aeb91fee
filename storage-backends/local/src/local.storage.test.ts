import { storageContract } from "@ferry/testkit";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalStorage } from "./local.storage.js";

storageContract("local", async () => createLocalStorage({ type: "local", path: await mkdtemp(join(tmpdir(), "ferry-storage-")) }));
