import { UserError } from "./errors.js";

/** Internal storage URIs: `ferry://<key>`, where key is a relative, normalised path. */
export const STORAGE_SCHEME = "ferry://";

export function toStorageUri(key: string): string {
  return STORAGE_SCHEME + assertSafeKey(key);
}

export function isStorageUri(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(STORAGE_SCHEME);
}

export function storageKeyOf(uri: string): string {
  if (!isStorageUri(uri)) throw new UserError(`'${uri}' is not a ${STORAGE_SCHEME} URI`, { status: 400 });
  return assertSafeKey(uri.slice(STORAGE_SCHEME.length));
}

/**
 * Rejects keys that could escape their prefix: absolute paths, `..` or `.` segments,
 * backslashes, empty segments and control characters.
 */
export function assertSafeKey(key: string): string {
  const bad =
    key.length === 0 ||
    key.startsWith("/") ||
    key.includes("\\") ||
    /[\u0000-\u001f]/.test(key) ||
    key.split("/").some((part) => part === "" || part === "." || part === "..");
  if (bad) throw new UserError(`unsafe storage key '${key}'`, { status: 400 });
  return key;
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
