/**
 * Kestra's open-source edition has one tenant, `main` (TenantService.MAIN_TENANT: "main on OSS as
 * Tenant is an EE feature"), and every flow it stores carries it; Ferry has that one tenant too.
 */
export const KESTRA_TENANT = "main";

/**
 * The `flow` variable templates read, as Kestra's RunVariables.of(FlowInterface) builds it: `id`,
 * `namespace`, `revision` when known, and `tenantId` (blueprints call Kestra's API at
 * `/api/v1/{{ flow.tenantId }}/…`).
 */
export function flowVariable(flow: { id: string; namespace: string; revision?: number }): { id: string; namespace: string; revision?: number; tenantId: string } {
  return { id: flow.id, namespace: flow.namespace, ...(flow.revision !== undefined ? { revision: flow.revision } : {}), tenantId: KESTRA_TENANT };
}
