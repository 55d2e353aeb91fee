import type { ConnectionRecord } from "../model.js";

/** typed connections: type and values, secret fields only as `secret()` references */
export interface ConnectionRepository {
  /** a connection of exactly this namespace (parents are the caller's to walk) */
  getConnection(namespace: string, id: string): Promise<ConnectionRecord | undefined>;
  /** the connections of exactly this namespace, by id */
  listConnections(namespace: string): Promise<ConnectionRecord[]>;
  /** stores the connection, replacing the id's (keeping the first `created`) */
  saveConnection(record: ConnectionRecord): Promise<void>;
  /** false when there was no such connection */
  deleteConnection(namespace: string, id: string): Promise<boolean>;
}
