/** namespaces exist through what lives in them: no record of their own */
export interface NamespaceRepository {
  /** namespaces that have a live flow, a KV pair or a connection, sorted */
  listNamespaces(): Promise<string[]>;
}
