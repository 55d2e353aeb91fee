/**
 * The few things that differ between Node and Deno, in one place (as Hono's adapters do).
 * Everything else in the worker is web-standard or `node:` modules both runtimes provide.
 */
declare const Deno: { addSignalListener(signal: string, fn: () => void): void; version: { deno: string } } | undefined;

export const runtimeName: string = typeof Deno !== "undefined" ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`;

export function onStopSignal(fn: () => void): void {
  for (const signal of ["SIGTERM", "SIGINT"]) {
    if (typeof Deno !== "undefined") Deno.addSignalListener(signal, fn);
    else process.on(signal, fn);
  }
}

export function exit(code: number): never {
  process.exit(code);
}
