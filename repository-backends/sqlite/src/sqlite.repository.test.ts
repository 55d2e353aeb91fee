import { repositoryContract } from "@ferry/testkit";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteRepository } from "./sqlite.repository.js";

repositoryContract("sqlite", async () => createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-sqlite-")), "ferry.db") }));
