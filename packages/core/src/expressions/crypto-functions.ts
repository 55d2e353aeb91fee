import { ExpressionError } from "./expression.error.js";
import type { Builtin } from "./filters.js";

/*
 * encrypt(key, plaintext) and decrypt(key, ciphertext), as Kestra's EncryptFunction and
 * DecryptFunction over its EncryptionService: AES/GCM/NoPadding with a base64 key, a random
 * 12-byte IV written before the ciphertext (its 128-bit tag last), all base64. Either side
 * reads what the other wrote. Web Crypto only, so that a Deno worker renders them too.
 */

const IV_LENGTH = 12;
const named = (args: unknown[], names: Record<string, unknown>, i: number, name: string) => (name in names ? names[name] : args[i]);

const fromBase64 = (text: string, what: string): Uint8Array<ArrayBuffer> => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) throw new ExpressionError(`${what} is not base64`);
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
};
const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

async function aesKey(fn: string, key: unknown, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  if (typeof key !== "string") throw new ExpressionError(`The '${fn}' function expects two arguments 'key' and '${fn === "encrypt" ? "plaintext" : "encrypted"}'.`);
  const bytes = fromBase64(key, `the '${fn}' key`);
  if (![16, 24, 32].includes(bytes.length)) throw new ExpressionError(`the '${fn}' key is ${bytes.length} bytes once decoded; an AES key is 16, 24 or 32`);
  return crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [usage]);
}

export const encrypt: Builtin = async (args, names) => {
  const plaintext = named(args, names, 1, "plaintext");
  const key = await aesKey("encrypt", named(args, names, 0, "key"), "encrypt");
  if (typeof plaintext !== "string") throw new ExpressionError("The 'encrypt' function expects two arguments 'key' and 'plaintext'.");
  const iv = crypto.getRandomValues(new Uint8Array(IV_LENGTH));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, tagLength: 128 }, key, new TextEncoder().encode(plaintext)));
  const out = new Uint8Array(IV_LENGTH + sealed.length);
  out.set(iv);
  out.set(sealed, IV_LENGTH);
  return toBase64(out);
};

export const decrypt: Builtin = async (args, names) => {
  const encrypted = named(args, names, 1, "encrypted");
  const key = await aesKey("decrypt", named(args, names, 0, "key"), "decrypt");
  if (typeof encrypted !== "string") throw new ExpressionError("The 'decrypt' function expects two arguments 'key' and 'encrypted'.");
  const input = fromBase64(encrypted, "the 'decrypt' ciphertext");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: input.subarray(0, IV_LENGTH), tagLength: 128 }, key, input.subarray(IV_LENGTH));
    return new TextDecoder().decode(plain);
  } catch (error) {
    throw new ExpressionError("decrypt: the ciphertext does not open with this key (Tag mismatch)", { cause: error });
  }
};
