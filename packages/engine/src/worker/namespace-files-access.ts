import { assertNamespaceInScope, namespaceFileKey, namespaceFilesPrefix, toStorageUri, UserError, type NamespaceFilesAccess, type Storage } from "@ferry/sdk";
import type { SecretMasker } from "./secret-masker.js";

/**
 * RunContext.namespaceFiles: the files under `<namespace as path>/_files/` in internal storage
 * (where the namespace files API keeps them), for the flow's namespace or one within its
 * scope. What is written has the run's secrets masked, as every store a task reaches.
 */
export function namespaceFilesAccess(storage: Storage, flowNamespace: string, masker?: SecretMasker): NamespaceFilesAccess {
  const ns = (o?: { namespace?: string }) => assertNamespaceInScope(flowNamespace, o?.namespace ?? flowNamespace, "namespace files");
  return {
    async list(o) {
      const prefix = `${namespaceFilesPrefix(ns(o))}/`;
      return (await storage.list(prefix)).map((key) => key.slice(prefix.length)).sort();
    },
    get: (path, o) => storage.get(namespaceFileKey(ns(o), path)),
    async put(path, body, o) {
      const namespace = ns(o);
      const key = namespaceFileKey(namespace, path);
      const conflict = o?.conflict ?? "OVERWRITE";
      if (conflict !== "OVERWRITE" && (await storage.exists(key))) {
        if (conflict === "SKIP") return undefined;
        throw new UserError(`namespace file ${path.replace(/^\/+/, "")} already exists in namespace ${namespace} (conflict: ERROR)`, { status: 409 });
      }
      const masked = !masker ? body : typeof body === "string" ? masker.mask(body) : masker.maskBytes(body);
      await storage.put(key, masked);
      return toStorageUri(key);
    },
    delete: (path, o) => storage.delete(namespaceFileKey(ns(o), path)),
  };
}
