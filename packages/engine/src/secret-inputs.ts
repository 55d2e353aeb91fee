import type { InputSpec } from "@ferry/core";
import { UserError, type AesGcm } from "@ferry/sdk";

/** how a SECRET input is stored (Kestra's encrypted-string shape): never in clear */
export const ENCRYPTED_TYPE = "io.kestra.datatype:aes_encrypted";
export const MASKED = "******";

export interface EncryptedValue {
  type: typeof ENCRYPTED_TYPE;
  value: string;
}

export function isEncrypted(value: unknown): value is EncryptedValue {
  return Boolean(value) && typeof value === "object" && (value as EncryptedValue).type === ENCRYPTED_TYPE && typeof (value as EncryptedValue).value === "string";
}

const slot = (executionId: string, inputId: string) => `${executionId}/inputs/${inputId}`;

/**
 * The typed inputs with each SECRET one sealed, and each text input holding a `revealed` value (a
 * secret() its default rendered, or a value sealed in the execution replayed) sealed too: stored
 * encrypted, opened for tasks, shown as `******`. Refused (422) when no key is configured.
 */
export async function sealSecretInputs(
  specs: InputSpec[] | undefined,
  inputs: Record<string, unknown>,
  executionId: string,
  key: AesGcm | undefined,
  revealed: ReadonlySet<string> = new Set(),
): Promise<Record<string, unknown>> {
  const holdsSecret = (value: unknown) => typeof value === "string" && [...revealed].some((secret) => secret && value.includes(secret));
  const secret = (specs ?? []).filter((s) => typeof inputs[s.id] === "string" && (s.type === "SECRET" || holdsSecret(inputs[s.id])));
  if (!secret.length) return inputs;
  if (!key) {
    const why = secret[0].type === "SECRET" ? "is SECRET" : "holds a secret() value";
    throw new UserError(`input '${secret[0].id}' ${why}: this server has no encryption.key to store it encrypted`, { status: 422 });
  }
  const out = { ...inputs };
  for (const spec of secret) out[spec.id] = { type: ENCRYPTED_TYPE, value: await key.seal(inputs[spec.id] as string, slot(executionId, spec.id)) } satisfies EncryptedValue;
  return out;
}

/** the inputs with SECRET ones opened (for a task's templates); each opened value is reported to `reveal` for masking */
export async function openSecretInputs(inputs: Record<string, unknown>, executionId: string, key: AesGcm | undefined, reveal: (value: string) => void): Promise<Record<string, unknown>> {
  const sealed = Object.entries(inputs).filter(([, v]) => isEncrypted(v));
  if (!sealed.length) return inputs;
  if (!key) throw new UserError("this execution has SECRET inputs: give this worker the server's encryption.key to read them");
  const out = { ...inputs };
  for (const [id, value] of sealed) {
    const plain = await key.open((value as EncryptedValue).value, slot(executionId, id));
    if (plain === undefined) throw new UserError(`SECRET input '${id}' does not decrypt with this worker's encryption.key`);
    reveal(plain);
    out[id] = plain;
  }
  return out;
}

/** the inputs as answers show them: SECRET ones as `******` */
export function maskSecretInputs(inputs: unknown): unknown {
  if (!inputs || typeof inputs !== "object" || Array.isArray(inputs)) return inputs;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, isEncrypted(v) ? MASKED : v]));
}
