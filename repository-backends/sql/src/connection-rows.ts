import type { ConnectionRecord } from "@ferry/sdk";

/** a connection as every dialect's `connections` table holds it: values as JSON text */
export type ConnectionRow = {
  namespace: string;
  id: string;
  type: string;
  values: string;
  description: string | null;
  created: string;
  updated: string;
};

export function connectionToRow(record: ConnectionRecord): ConnectionRow {
  return {
    namespace: record.namespace, id: record.id, type: record.type, values: JSON.stringify(record.values), description: record.description ?? null,
    created: record.created, updated: record.updated,
  };
}

export function connectionFromRow(row: ConnectionRow): ConnectionRecord {
  return {
    namespace: row.namespace, id: row.id, type: row.type, values: JSON.parse(row.values) as Record<string, unknown>,
    ...(row.description === null ? {} : { description: row.description }), created: row.created, updated: row.updated,
  };
}
