/**
 * Where `{{ secret('NAME') }}` values come from.
 *
 * Invariants (the secret-backend contract suite checks them):
 * - Secrets are scoped to a namespace; `get` looks at the namespace, then its parents
 *   (`company.team` → `company` → global), the closest one wins.
 * - A missing secret is `undefined`, never an error; callers name it in their message.
 * - `list` returns names only. Nothing here ever logs a value.
 * - Read-only backends omit `set` and `delete`.
 */
export interface SecretBackend {
  init?(): Promise<void>;
  close?(): Promise<void>;
  get(namespace: string, name: string): Promise<string | undefined>;
  list(namespace: string): Promise<string[]>;
  set?(namespace: string, name: string, value: string): Promise<void>;
  delete?(namespace: string, name: string): Promise<boolean>;
}
