import { OperationalError, UserError } from "@ferry/sdk/basics";

/**
 * What `ferry` exits with, so a shell script or a CI step can tell a failed execution from a
 * typo and from a server that is down. Printed by `ferry --help`.
 */
export const EXIT = {
  ok: 0,
  /** the execution ended FAILED, KILLED or CANCELLED, or the server refused the request (not found, invalid, conflict) */
  failed: 1,
  /** an unknown command or option, a missing or malformed argument */
  usage: 2,
  /** the execution ended WARNING (it ran to its end, with warnings or allowed failures) */
  warning: 3,
  /** no Ferry server answered at the URL */
  unreachable: 4,
  /** the server refused the credentials (HTTP 401 or 403) */
  authRefused: 5,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (with --wait: the execution ended SUCCESS)
  1  the execution ended FAILED, KILLED or CANCELLED, or the server refused the request (not found, invalid, conflict)
  2  bad usage: an unknown command or option, a missing or malformed argument
  3  the execution ended WARNING
  4  no Ferry server answered (nothing listening, or no answer within FERRY_REQUEST_TIMEOUT seconds, 30 by default)
  5  the server refused the credentials (set FERRY_SERVER_TOKEN, or put user:password in the server URL)
  130  interrupted with Ctrl-C (an execution being followed goes on)

Finding the server: --server URL, then $FERRY_SERVER_URL, then server.host and server.port of
ferry.yaml (or --config FILE), then http://127.0.0.1:8080.`;

/** a command line that cannot be right: exit 2 */
export class UsageError extends UserError {
  readonly exitCode = EXIT.usage;
}

/** nothing answered at the server URL: exit 4 */
export class UnreachableError extends OperationalError {
  readonly exitCode = EXIT.unreachable;
}

/** the server answered 401 or 403: exit 5 */
export class AuthRefusedError extends UserError {
  readonly exitCode = EXIT.authRefused;
}

/** an execution's end state as an exit code */
export function exitCodeOf(state: string): number {
  if (state === "SUCCESS") return EXIT.ok;
  if (state === "WARNING") return EXIT.warning;
  return EXIT.failed;
}
