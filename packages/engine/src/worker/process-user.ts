import { UserError, type ProcessUser } from "@ferry/sdk";
import { execFileSync } from "node:child_process";

const WHERE = "invalid configuration at worker.processUser";
/** ids above this are not real users (65535 and 4294967295 stand for "none" in several kernels' interfaces) */
const MAX_ID = 2 ** 31 - 1;

/** `id <options> <user>`, or undefined when the system knows no such user */
function id(options: string, user: string): string | undefined {
  try {
    return execFileSync("id", [options, user], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * `worker.processUser` resolved once, when the worker starts: a user name (its uid and
 * primary group, as `id` reports them, so NSS users work too) or `uid:gid` (which needs no
 * entry in /etc/passwd). An unknown user fails the start, naming the setting.
 */
export function resolveProcessUser(spec: string): ProcessUser {
  const numeric = /^(\d+):(\d+)$/.exec(spec.trim());
  if (numeric) {
    const [uid, gid] = [Number(numeric[1]), Number(numeric[2])];
    if (uid > MAX_ID || gid > MAX_ID) throw new UserError(`${WHERE}: '${spec}' is not a uid:gid pair of valid ids`);
    return { name: id("-nu", String(uid)) ?? spec.trim(), uid, gid };
  }
  const name = spec.trim();
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(name)) throw new UserError(`${WHERE}: '${spec}' is neither a user name nor uid:gid`);
  const uid = id("-u", name);
  const gid = id("-g", name);
  if (uid === undefined || gid === undefined) throw new UserError(`${WHERE}: no user '${name}' on this machine (give an existing user name, or uid:gid)`);
  return { name, uid: Number(uid), gid: Number(gid) };
}
