// Linux schedules by autogroup when kernel.sched_autogroup_enabled is 1: each session (setsid)
// is one group, the groups share the CPU evenly, and a nice value weighs only against
// processes of the same group. `nice -n -15 node bench/run.js` from a shell whose session also
// runs builds thus gets no more CPU than any other session's build: on a shared two-core box
// the measured server was given a fifth of a core and fell behind a 100/s load. A bench started
// at a negative nice therefore runs again in a session of its own, whose group takes that nice.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { constants, getPriority } from "node:os";

const RELAUNCHED = "FERRY_BENCH_OWN_AUTOGROUP";

function autogroupsOn() {
  try {
    return readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1";
  } catch {
    return false;
  }
}

/**
 * Runs this script again in its own session with its autogroup at this process's nice, when that
 * is negative and autogroups are on; resolves with the run's exit code. Undefined otherwise
 * (run here, as before).
 */
export function inOwnAutogroup() {
  const nice = getPriority();
  if (nice >= 0 || process.env[RELAUNCHED] || !autogroupsOn()) return undefined;
  // detached: setsid() in the child before its exec, so its pid names a new autogroup once spawn returns
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { detached: true, stdio: "inherit", env: { ...process.env, [RELAUNCHED]: "1" } });
  try {
    writeFileSync(`/proc/${child.pid}/autogroup`, String(nice));
  } catch (error) {
    console.error(`bench: the bench's autogroup keeps nice 0 (${error.message}): it competes with every other session as one`);
  }
  // a detached child gets no terminal signal of its own: pass them on
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0))));
}
