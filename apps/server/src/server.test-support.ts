import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startFerry, type FerryServer } from "./ferry.js";

export interface TestFerry {
  ferry: FerryServer;
  /** its working folder (./.ferry/ holds the database and storage) */
  dir: string;
  /** fetch under /api/v1 */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** creates or updates a flow from YAML; throws with the server's message when refused */
  deploy(source: string): Promise<void>;
  /** polls until the execution ends; returns it */
  waitForEnd(id: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/** A real `ferry server local` in this process: SQLite, local storage, memory queue, on a free port. */
export async function startTestFerry(config: Record<string, unknown> = {}): Promise<TestFerry> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-server-"));
  const ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 }, ...config }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
  const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
  return {
    ferry,
    dir,
    api,
    async deploy(source) {
      const id = /^id:\s*(\S+)/m.exec(source)?.[1];
      const namespace = /^namespace:\s*(\S+)/m.exec(source)?.[1];
      const init = (method: string) => ({ method, body: source, headers: { "content-type": "application/x-yaml" } });
      let response = await api(`/flows/${namespace}/${id}`, init("PUT"));
      if (response.status === 404) response = await api("/flows", init("POST"));
      if (response.status !== 200) throw new Error(`deploy ${namespace}.${id}: HTTP ${response.status} ${await response.text()}`);
    },
    async waitForEnd(id, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const execution = (await (await api(`/executions/${id}`)).json()) as { state: { current: string } };
        if (["SUCCESS", "WARNING", "FAILED", "KILLED"].includes(execution.state.current)) return execution;
        if (Date.now() > until) throw new Error(`execution ${id} still ${execution.state.current} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await ferry.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
