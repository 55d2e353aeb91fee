import type { SecretRecord } from "../model.js";

/** encrypted secrets (the database secret backend): ciphertext only, never values */
export interface SecretRepository {
  getSecret(namespace: string, name: string): Promise<SecretRecord | undefined>;
  /** the secrets of exactly this namespace, or every secret */
  listSecrets(namespace?: string): Promise<SecretRecord[]>;
  saveSecret(record: SecretRecord): Promise<void>;
  deleteSecret(namespace: string, name: string): Promise<boolean>;
  /** replaces every stored secret with these, in one transaction (key rotation: all or nothing) */
  replaceSecrets(records: SecretRecord[]): Promise<void>;
}
