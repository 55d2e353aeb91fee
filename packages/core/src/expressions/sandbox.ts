import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { ExpressionError, RenderLimitError } from "./expression.error.js";

/*
 * Work that may not end runs here, in a worker thread of its own: jq programs (`repeat(1)`) and
 * regular expressions (`(.*a){25}` backtracks for ever), neither of which can be interrupted on
 * the thread that runs them. A job still running when the render's time is up has its thread
 * terminated: the render fails with render.timeoutMs, and the next job gets a fresh thread.
 * Jobs run one at a time, in order.
 *
 * jq is jq-web from npm: the jq C program compiled to WebAssembly by Emscripten, real jq where
 * the pure-JavaScript ports lack most builtins. It loads on the first jq job.
 */

// the thread's code: jq with `-c` (jq-web resolved from where this package is), JavaScript regular expressions
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
// jq's debug and stderr builtins print through console: kept out of the server's output
console.warn = () => {};
console.log = () => {};
console.error = () => {};
let jq;
const run = async (job) => {
  if (job.op === "jq") {
    jq ??= await require(workerData.jqWeb);
    return jq.raw(job.input, job.program, ["-c"]);
  }
  const re = new RegExp(job.pattern, job.flags);
  if (job.op === "replace") return job.input.replace(re, job.replacement);
  // the first match and its groups (a group that took no part is null), or null
  if (job.op === "find") {
    const m = re.exec(job.input);
    return m ? Array.from(m, (g) => (g === undefined ? null : g)) : null;
  }
  // the [start, end] of every match, for Java's split to cut by
  const matches = [];
  for (const m of job.input.matchAll(re)) matches.push(m.index, m.index + m[0].length);
  return matches;
};
parentPort.on("message", (job) => {
  run(job).then(
    (output) => parentPort.postMessage({ id: job.id, output }),
    (error) => parentPort.postMessage({ id: job.id, error: String((error && error.message) || error) }),
  );
});
parentPort.postMessage({ ready: true });
`;

type Work = { op: "jq"; input: string; program: string } | { op: "replace"; input: string; pattern: string; flags: string; replacement: string } | { op: "split" | "find"; input: string; pattern: string; flags: string };

interface Job {
  work: Work;
  what: string;
  /** render.timeoutMs, named in the error */
  limitMs: number;
  deadline: number;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let ready: Promise<Worker> | undefined;
const queue: Job[] = [];
let busy = false;
let nextId = 0;

function start(): Promise<Worker> {
  ready ??= new Promise<Worker>((resolve, reject) => {
    let jqWeb: string | undefined;
    try {
      jqWeb = createRequire(import.meta.url).resolve("jq-web");
    } catch {
      // without it, a jq job fails with the reason; regular expressions still run
    }
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { jqWeb } });
    // a thread waiting for work does not keep the process alive
    w.unref();
    const onMessage = (message: { ready?: boolean }) => {
      if (message.ready) {
        w.off("message", onMessage);
        worker = w;
        resolve(w);
      }
    };
    w.on("message", onMessage);
    w.once("error", (error) => reject(new ExpressionError(`the sandbox thread could not start: ${error.message}`, { cause: error })));
  });
  const started = ready;
  started.catch(() => {
    if (ready === started) ready = undefined;
  });
  return started;
}

function stop(): void {
  void worker?.terminate();
  worker = undefined;
  ready = undefined;
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (let job = queue.shift(); job; job = queue.shift()) {
      try {
        job.resolve(await runOne(job));
      } catch (error) {
        job.reject(error as Error);
      }
    }
  } finally {
    busy = false;
  }
}

async function runOne(job: Job): Promise<unknown> {
  const w = await start();
  const id = nextId++;
  const timeoutMs = job.deadline - Date.now();
  return new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => {
      w.off("message", onMessage);
      stop();
      reject(new RenderLimitError("timeoutMs", job.limitMs, `${job.what} was still running`));
    }, Math.max(1, timeoutMs));
    const onMessage = (message: { id: number; output?: unknown; error?: string }) => {
      if (message.id !== id) return;
      clearTimeout(timer);
      w.off("message", onMessage);
      if (message.error !== undefined) reject(new ExpressionError(message.error.replace(/^Non-zero exit code: \d+\n?/, "").trim()));
      else resolve(message.output);
    };
    w.on("message", onMessage);
    w.postMessage({ id, ...job.work });
  });
}

/** how long a job may run: what is left of the render's time, and the limit to name when it is up */
export interface Deadline {
  remainingMs: number;
  limitMs: number;
}

/** runs `work` on the sandbox thread, failing with render.timeoutMs once the render's time is up */
function run(work: Work, what: string, time: Deadline): Promise<unknown> {
  return new Promise<unknown>((resolve, reject) => {
    queue.push({ work, what, limitMs: time.limitMs, deadline: Date.now() + time.remainingMs, resolve, reject });
    void drain();
  });
}

/** the outputs of a jq program (jq's `-c` lines) for the JSON text `input` */
export async function runJq(input: string, program: string, time: Deadline): Promise<string> {
  if (!createRequireSafe()) throw new ExpressionError("the jq filter needs the jq-web package, which is not installed");
  return (await run({ op: "jq", input, program }, `the jq program '${program.slice(0, 60)}'`, time)) as string;
}

/** `input.replace(new RegExp(pattern, flags), replacement)` */
export async function regexReplace(input: string, pattern: string, flags: string, replacement: string, time: Deadline): Promise<string> {
  return (await run({ op: "replace", input, pattern, flags, replacement }, `the regular expression '${pattern.slice(0, 60)}'`, time)) as string;
}

/** the start and end of every match of `pattern` (global) in `input`, flat */
export async function regexMatches(input: string, pattern: string, flags: string, time: Deadline): Promise<number[]> {
  return (await run({ op: "split", input, pattern, flags }, `the regular expression '${pattern.slice(0, 60)}'`, time)) as number[];
}

/** the first match of `pattern` in `input`, as [whole match, group 1, …] (null for a group that took no part), or null */
export async function regexFind(input: string, pattern: string, flags: string, time: Deadline): Promise<Array<string | null> | null> {
  return (await run({ op: "find", input, pattern, flags }, `the regular expression '${pattern.slice(0, 60)}'`, time)) as Array<string | null> | null;
}

function createRequireSafe(): boolean {
  try {
    createRequire(import.meta.url).resolve("jq-web");
    return true;
  } catch {
    return false;
  }
}
