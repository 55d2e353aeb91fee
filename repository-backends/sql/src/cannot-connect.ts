import { OperationalError } from "@ferry/sdk";

/** the URL without its password, for messages */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

/** a database server out of reach at start or at `ferry config check`: operational, its URL without the password */
export function cannotConnect(dialect: string, url: string, error: unknown): OperationalError {
  return new OperationalError(`cannot connect to ${dialect} at ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
}
