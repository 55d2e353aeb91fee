import type { ChildProcess } from "node:child_process";
import { afterAll } from "vitest";

/*
 * Every process a test file starts dies with that file. When a hook times out (a loaded box, a
 * server slow to answer /health), the test never learns the child it was waiting on, its
 * afterAll has nothing to stop, and the server lived on as an orphan, holding ports, databases
 * and CPU through the rest of the run. Vitest runs each file in a fresh module graph, so this
 * module's afterAll is registered once per file that starts processes; it runs after the file's
 * own afterAll hooks (which stop what they started gracefully) and SIGKILLs what is left.
 */
const alive = new Set<ChildProcess>();

afterAll(() => {
  for (const child of alive) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  alive.clear();
});

export function reapOnExit<C extends ChildProcess>(child: C): C {
  alive.add(child);
  child.once("exit", () => alive.delete(child));
  return child;
}
