/**
 * Every process a task starts dies with its worker (issue: a killed worker's shell kept
 * running while its retry ran too). Node does not take its children with it when it is
 * killed, and a parent-death signal (`setpriv --pdeathsig`) reaches only the direct child,
 * not what a shell script starts. So a task's command runs under this small POSIX shell
 * supervisor, spawned as the leader of a new process group:
 *
 * - its standard input is a pipe from the worker that the worker never writes to. A watcher
 *   in the group blocks reading it; the kernel closes the pipe when the worker exits in any
 *   way (kill -9 included), the read ends, and the watcher kills the whole group;
 * - the command itself runs in the same group with /dev/null as input, so the existing
 *   group kill (timeout, kill, end of task) still reaches everything.
 *
 * - its output goes through real pipes (below).
 *
 * Measured on Linux (kill -9 of a worker mid-task, 20 runs): the group was gone within
 * milliseconds every time. Works the same when the worker runs under Deno, which also closes
 * its pipes on exit. What it cannot reach: a process that leaves the group on purpose
 * (setsid, a double-forking daemon), or a task that kills the watcher itself.
 *
 * Real pipes: Node gives a child socket pairs for "pipe", and a script that opens its output
 * by name (`echo x >> /dev/stderr`, `tee /dev/stdout`, Kestra's bash-warning.yaml) failed with
 * "No such device or address" (a socket cannot be reopened through /proc/self/fd), where
 * Kestra's processes, and Deno's children, write to pipes. So the command writes to two FIFOs
 * made for it, unlinked once open, which a `cat` each copies to the worker's sockets. The
 * shell makes them, not the worker: a FIFO made from Node took a synchronous `mkfifo` per
 * script, which stalls the worker's event loop on a loaded box (that build saw "end" written
 * twice in chaos-side-effects). After the command, the shell waits for the copies to drain;
 * a background process that keeps the output open gets 0.5 s, then the copies go and the
 * group is killed, as before. Where the FIFOs cannot be made, the command writes to the
 * worker's sockets directly.
 *
 * Drained, not timed: a copy is cut only once it waits on its FIFO's read (what is left holds
 * the FIFO open and writes nothing), told by the kernel's /proc/<pid>/wchan each 0.5 s. One
 * still copying — not yet scheduled on a loaded box, stopped, or blocked writing to a worker
 * that reads slowly — is waited for, up to 20 s. A fixed 0.5 s lost the end of a large output
 * on a loaded box (CI: 96,742 lines of 100,000). Where /proc does not answer (not Linux), 0.5 s.
 */
export const SUPERVISOR = [
  'command -v "$1" >/dev/null 2>&1 || { echo "cannot start $1: not found" >&2; exit 127; }',
  "exec 3<&0 </dev/null",
  "{ cat <&3 >/dev/null 2>&1; kill -s KILL 0; } &",
  "exec 3<&-",
  'p="${TMPDIR:-/tmp}/ferry-out-$$"',
  'mkfifo -m 600 "$p.1" "$p.2" 2>/dev/null || { rm -f "$p.1" "$p.2"; "$@"; exit $?; }',
  'cat "$p.1" & o=$!',
  'cat "$p.2" >&2 & e=$!',
  'exec >"$p.1" 2>"$p.2"',
  'rm -f "$p.1" "$p.2"',
  '"$@"',
  "s=$?",
  "exec >/dev/null 2>&1",
  "(n=0; while [ $n -lt 40 ]; do sleep 0.5; n=$((n+1)); b=; for c in $o $e; do w=$(cat /proc/$c/wchan 2>/dev/null) || continue; case $w in *pipe_read*|pipe_wait) ;; *) b=1 ;; esac; done; [ -n \"$b\" ] || break; done; kill -s KILL $o $e) &",
  "wait $o $e",
  "exit $s",
].join("\n");

/** the shell and its arguments that run `command args…` under the supervisor */
export function supervised(command: string, args: string[]): { command: string; args: string[] } {
  return { command: "/bin/sh", args: ["-c", SUPERVISOR, "ferry-supervise", command, ...args] };
}
