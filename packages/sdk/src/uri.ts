import { UserError } from "./errors.js";

/** Internal storage URIs: `ferry://<key>`, where key is a relative, normalised path. */
export const STORAGE_SCHEME = "ferry://";
/**
 * Kestra's scheme for the same storage, read as Kestra's storages read it: the key is the URI's
 * path (LocalStorage.getPath: `uri.getPath()`), percent-escapes decoded, so `kestra:///a/b.txt`,
 * what Kestra writes, is `ferry://a/b.txt`. Like Kestra, an authority is not part of the key:
 * `kestra://long/url/file.txt` (Kestra's Delete example) names `url/file.txt`.
 */
export const KESTRA_STORAGE_SCHEME = "kestra://";

export function toStorageUri(key: string): string {
  return STORAGE_SCHEME + assertSafeKey(key);
}

/** a `ferry://` or Kestra's `kestra://` URI: a file of internal storage */
export function isStorageUri(value: unknown): value is string {
  return typeof value === "string" && (value.startsWith(STORAGE_SCHEME) || value.startsWith(KESTRA_STORAGE_SCHEME));
}

export function storageKeyOf(uri: string): string {
  if (uri.startsWith(STORAGE_SCHEME)) return assertSafeKey(uri.slice(STORAGE_SCHEME.length));
  if (!uri.startsWith(KESTRA_STORAGE_SCHEME)) throw new UserError(`'${uri.slice(0, 200)}' is not a ${STORAGE_SCHEME} (or Kestra's ${KESTRA_STORAGE_SCHEME}) URI`, { status: 400 });
  const rest = uri.slice(KESTRA_STORAGE_SCHEME.length);
  const slash = rest.indexOf("/");
  if (slash < 0) throw new UserError(`'${uri.slice(0, 200)}' names no file: a ${KESTRA_STORAGE_SCHEME} URI's path is the file (kestra:///namespace/…)`, { status: 400 });
  let path: string;
  try {
    path = decodeURIComponent(rest.slice(slash + 1));
  } catch (error) {
    throw new UserError(`'${uri.slice(0, 200)}' has a malformed percent-escape`, { status: 400, cause: error });
  }
  return assertSafeKey(path);
}

/**
 * The longest storage key, and the longest segment of one, in UTF-8 bytes. File systems refuse
 * a name over 255 bytes (ENAMETOOLONG) and the local backend adds a temporary suffix while it
 * writes; S3 allows 1,024 bytes. Every key is held to these, whatever the backend, so a flow that
 * works on one backend works on all.
 */
export const MAX_STORAGE_KEY_BYTES = 1024;
export const MAX_STORAGE_SEGMENT_BYTES = 200;

const encoder = new TextEncoder();
const utf8Length = (text: string) => encoder.encode(text).length;

/**
 * Rejects keys that could escape their prefix: absolute paths, `..` or `.` segments,
 * backslashes, empty segments and control characters; and keys or segments longer than
 * the limits above (400 naming the limit).
 */
export function assertSafeKey(key: string): string {
  const parts = key.split("/");
  const bad =
    key.length === 0 ||
    key.startsWith("/") ||
    key.includes("\\") ||
    /[\u0000-\u001f]/.test(key) ||
    parts.some((part) => part === "" || part === "." || part === "..");
  if (bad) throw new UserError(`unsafe storage key '${key.slice(0, 200)}'`, { status: 400 });
  if (longerThan(key, MAX_STORAGE_KEY_BYTES)) {
    throw new UserError(`storage key too long: ${utf8Length(key)} bytes, at most ${MAX_STORAGE_KEY_BYTES} ('${key.slice(0, 80)}…')`, { status: 400 });
  }
  const long = parts.find((part) => longerThan(part, MAX_STORAGE_SEGMENT_BYTES));
  if (long !== undefined) {
    throw new UserError(`storage key has a name too long: '${long.slice(0, 80)}…' is ${utf8Length(long)} bytes, at most ${MAX_STORAGE_SEGMENT_BYTES} per path segment`, { status: 400 });
  }
  return key;
}

/**
 * Whether the text's UTF-8 is longer than `bytes`. A UTF-16 unit is at most three bytes of
 * UTF-8, so a short text is never encoded: every storage write checks its key (encoding it
 * and each of its segments was 2 % of local mode's busy time in a ForEach of Return tasks).
 */
function longerThan(text: string, bytes: number): boolean {
  return text.length * 3 > bytes && utf8Length(text) > bytes;
}

/** `company.team` → `company/team` */
export function namespacePath(namespace: string): string {
  return namespace.split(".").join("/");
}

export function executionPrefix(namespace: string, flowId: string, executionId: string): string {
  return `${namespacePath(namespace)}/${flowId}/executions/${executionId}`;
}

/** where a namespace's files live in storage: `<namespace as path>/_files` */
export function namespaceFilesPrefix(namespace: string): string {
  return `${namespacePath(namespace)}/_files`;
}

/** the storage key of a namespace file; `path` may start with `/`, must not leave the namespace */
export function namespaceFileKey(namespace: string, path: string): string {
  const relative = path.replace(/^\/+/, "");
  return `${namespaceFilesPrefix(namespace)}/${assertSafeKey(relative)}`;
}
