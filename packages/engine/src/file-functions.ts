import type { Callable, CallInfo } from "@ferry/core";
import { assertNamespaceInScope, executionPrefix, isStorageUri, namespaceInScope, namespaceFileKey, PurgedError, storageKeyOf, toStorageUri, UserError, type Storage } from "@ferry/sdk";

/**
 * Kestra's file functions (AbstractFileFunction and its subclasses): read, fileURI, fileExists,
 * fileSize, isFileEmpty (and fileEmpty, its name in the docs). A path is a file of internal
 * storage (`ferry://…`, or Kestra's `kestra:///…`), a namespace file (`nsfile:///path`, or a
 * bare `path`), as RunContext.getFile allows: the execution's own files and its namespace's,
 * those of the execution that started it (its `trigger`), and the namespace files and task files
 * of any namespace the flow may reach (`namespaces.isolation`: every one by default, as Kestra's
 * open-source edition; with `tree`, its branch of the namespace tree), others refused naming why.
 */
export interface FileScope {
  storage: Storage;
  namespace: string;
  flowId: string;
  executionId: string;
  /** where the execution's files live when it has a storage prefix of its own */
  filesPrefix?: string;
  /**
   * the execution that started this one (a Subflow's or ForEachItem's parent, a Flow trigger's
   * upstream): its files are readable too, as Kestra's file functions allow through `trigger`
   */
  trigger?: { namespace: string; flowId: string; executionId: string };
}

const NSFILE = /^nsfile:\/\/([^/]*)\/(.*)$/;
const ANY_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
// the first bytes of binary Amazon Ion: read() hands those files over as bytes, for fromIon()
const ION_BINARY = [0xe0, 0x01, 0x00, 0xea];

function arg(args: unknown[], named: Record<string, unknown>, i: number, name: string): unknown {
  return name in named ? named[name] : args[i];
}

/** a namespace's files, of this flow's namespace unless `named` names another it may reach (Kestra's `namespace` argument, `nsfile://<namespace>/`) */
function namespaceOf(scope: FileScope, what: string, path: string, named: unknown): string {
  if (named === undefined || named === null || named === "" || named === scope.namespace) return scope.namespace;
  return assertNamespaceInScope(scope.namespace, String(named), `namespace files (${what}('${path}'))`);
}

/** the storage key a path names, once it is known to be one this execution may read */
function keyOf(scope: FileScope, what: string, path: unknown, namespaceArg: unknown): string {
  if (typeof path !== "string" || path === "") throw new UserError(`The '${what}' function expects an argument 'path' that is a path to a namespace file or an internal storage URI.`);
  if (isStorageUri(path)) {
    const key = storageKeyOf(path);
    if (readableStorageKey(scope, key)) return key;
    // Kestra's words (ReadFileFunctionTest.readUnauthorizedInternalStorageFile), then Ferry's rule
    throw new UserError(
      `Unable to read the file '${path}' as it didn't belong to the current execution (${what}: a flow reads its own execution's files, those of the execution that started it, and the namespace files and task files of the namespaces it may reach)`,
      { status: 403 },
    );
  }
  const nsfile = NSFILE.exec(path);
  if (nsfile) return namespaceFileKey(namespaceOf(scope, what, path, nsfile[1] || namespaceArg), nsfile[2]);
  if (ANY_SCHEME.test(path)) throw new UserError(`Cannot process the URI ${path}: scheme not supported.`);
  return namespaceFileKey(namespaceOf(scope, what, path, namespaceArg), path);
}

/**
 * Whether an execution may read this storage key: its own files (and `filesPrefix`), those of the execution that started
 * it, and the namespace files and task files (what the tasks of any execution wrote) of a namespace it may reach —
 * Kestra's AbstractFileFunction reads one of an allowed namespace (FileSizeFunctionTest.shouldReadFromAnotherExecution;
 * every namespace in its open-source edition), and a task's storage reads any (InternalStorage.uriGuard checks the scheme
 * only). Not other executions' inputs, nor KV values' objects. The file functions and a task's RunContext.getFile both follow it.
 */
export function readableStorageKey(scope: Omit<FileScope, "storage">, key: string): boolean {
  const { trigger } = scope;
  const own = [
    executionPrefix(scope.namespace, scope.flowId, scope.executionId),
    scope.filesPrefix,
    trigger && executionPrefix(trigger.namespace, trigger.flowId, trigger.executionId),
  ].filter((p): p is string => !!p);
  if (own.some((prefix) => key.startsWith(`${prefix}/`))) return true;
  const namespace = namespaceOfKey(key);
  return namespace !== undefined && namespaceInScope(scope.namespace, namespace);
}

const NAMESPACE_FILE_KEY = /^(.+?)\/_files\//;
// a task run's files under a namespace's folder: `<flowId>/executions/<executionId>/files/<taskId>/…`
const TASK_FILE_KEY = /^(.+?)\/[^/]+\/executions\/[^/]+\/files\/[^/]+\//;

/** the namespace whose folder holds a namespace file's or a task file's key (its path up to `_files/` or `<flowId>/executions/`) */
function namespaceOfKey(key: string): string | undefined {
  const path = NAMESPACE_FILE_KEY.exec(key)?.[1] ?? TASK_FILE_KEY.exec(key)?.[1];
  return path?.split("/").join(".");
}

/** the execution a trigger names (a Subflow's parent, a Flow trigger's upstream), if it names one */
export function upstreamOf(trigger: unknown): { namespace: string; flowId: string; executionId: string } | undefined {
  const t = trigger as { namespace?: unknown; flowId?: unknown; executionId?: unknown } | undefined;
  return t && typeof t.namespace === "string" && typeof t.flowId === "string" && typeof t.executionId === "string"
    ? { namespace: t.namespace, flowId: t.flowId, executionId: t.executionId }
    : undefined;
}

const info = (call: CallInfo | undefined) => call ?? { variables: {}, remainingMs: 5000, maxOutputLength: Number.MAX_SAFE_INTEGER };

export function fileFunctions(scope: FileScope): Record<string, Callable> {
  const { storage } = scope;
  const size = async (what: string, args: unknown[], named: Record<string, unknown>) => {
    const path = arg(args, named, 0, "path");
    const key = keyOf(scope, what, path, arg(args, named, 1, "namespace"));
    const bytes = await storage.size(key);
    if (bytes === undefined) throw new PurgedError(`${path}`);
    return bytes;
  };
  const isEmpty: Callable = async (args, named) => (await size("isFileEmpty", args, named)) === 0;
  return {
    read: async (args, named, call) => {
      const path = arg(args, named, 0, "path");
      if ("version" in named || args.length > 2) throw new UserError("read(): the 'version' argument (a namespace file's earlier version) is not supported by Ferry yet");
      const key = keyOf(scope, "read", path, arg(args, named, 1, "namespace"));
      const length = await storage.size(key);
      if (length === undefined) throw new PurgedError(`${path}`);
      // checked before it is read: a file larger than a rendered string may be is never loaded
      const max = info(call).maxOutputLength;
      if (length > max) throw new UserError(`read('${path}'): the file is ${length} bytes, more than render.maxOutputLength (${max})`);
      const bytes = await storage.get(key);
      if (!bytes) throw new PurgedError(`${path}`);
      if (ION_BINARY.every((b, i) => bytes[i] === b)) return bytes;
      return new TextDecoder().decode(bytes);
    },
    // the URI of a namespace file (FileURIFunction), whether or not it exists
    fileURI: async (args, named) => {
      const path = arg(args, named, 0, "path");
      if (typeof path !== "string") throw new UserError("The 'fileURI' function expects an argument 'path' that is a path to a namespace file.");
      if (path.includes("../")) throw new UserError("Path must not contain '../'");
      return toStorageUri(namespaceFileKey(scope.namespace, path));
    },
    fileExists: async (args, named) => storage.exists(keyOf(scope, "fileExists", arg(args, named, 0, "path"), arg(args, named, 1, "namespace"))),
    fileSize: (args, named) => size("fileSize", args, named),
    isFileEmpty: isEmpty,
    fileEmpty: isEmpty,
  };
}
