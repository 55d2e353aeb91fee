import type { JsonStore } from "../json-store.js";
import type { ExecutorEvent, WorkerJob } from "../messages.js";

/**
 * Short documents handed over between processes beside their URIs, so the reader parses them
 * instead of reading storage: a job carries its context's inputs, trigger and outputs as this
 * process stored or was handed them (a standalone worker read two files per execution of
 * benchmark01, its inputs and trigger), a result carries the outputs the worker stored (the
 * scheduler read them back for a webhook's answer). Storage stays the record: a document not
 * handed over (too long, no longer cached, from a crashed process) is read from it as before.
 * Each text is what the writer stored under a key written once (an execution's or an
 * attempt's), so a read answers the same either way (BENCHMARKS.md, distributed Round 11).
 */

/** only the jobs of an event that starts at most this many carry documents: a ForEach's fan-out would send its context's once per job */
const DOCS_JOBS_MAX = 4;
/** at most this many characters of documents in one job */
const DOCS_CHARS_MAX = 16 * 1024;

/** the job with `docs`: the texts of its context's documents this process has, when it is one of few */
export function withDocs(job: WorkerJob, store: JsonStore, jobsInEvent: number): WorkerJob {
  if (jobsInEvent > DOCS_JOBS_MAX) return job;
  const { context } = job;
  let docs: Record<string, string> | undefined;
  let chars = 0;
  const add = (uri: string | undefined) => {
    if (!uri) return;
    const text = store.textOf(uri);
    if (text === undefined || chars + text.length > DOCS_CHARS_MAX) return;
    (docs ??= {})[uri] = text;
    chars += text.length;
  };
  add(context.inputsUri);
  add(context.triggerUri);
  add(context.variablesUri);
  add(context.executionOutputsUri);
  for (const output of context.outputs) add(output.uri);
  return docs ? { ...job, docs } : job;
}

/** a result's outputs, handed over with it, to be read here without storage */
export function primeResult(event: ExecutorEvent, store: JsonStore): void {
  if (event.type === "result" && event.outputs !== undefined && event.outputsUri) store.prime(event.outputsUri, event.outputs);
}
