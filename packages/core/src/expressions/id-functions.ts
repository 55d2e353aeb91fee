import { ExpressionError } from "./expression.error.js";
import type { Builtin } from "./filters.js";

/*
 * Kestra's random identifiers: nanoId() (NanoIDFunction) and ksuid() (KSUIDFunction, segmentio's
 * K-Sortable Unique IDentifier). Web Crypto only, so that a Deno worker renders them too.
 */

const NANO_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const NANO_MAX_LENGTH = 1000;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** KSUID's epoch (2014-05-13T16:53:20Z), in seconds */
const KSUID_EPOCH = 1_400_000_000;
const KSUID_LENGTH = 27;

const named = (args: unknown[], names: Record<string, unknown>, i: number, name: string) => (name in names ? names[name] : args[i]);

/**
 * `nanoId(length=21, alphabet=…)`: as Kestra draws one, a random byte masked by the alphabet's
 * length minus one picks each character (so an alphabet whose length is no power of two leaves
 * some characters out, as it does in Kestra); a length that is not a whole number is ignored.
 */
export const nanoId: Builtin = (args, names) => {
  const lengthArg = named(args, names, 0, "length");
  const alphabetArg = named(args, names, 1, "alphabet");
  let length = 21;
  if (typeof lengthArg === "number" && Number.isInteger(lengthArg)) {
    if (lengthArg > NANO_MAX_LENGTH) throw new ExpressionError(`The 'nanoId()' function field 'length' must be lower than: ${NANO_MAX_LENGTH}`);
    if (lengthArg < 0) throw new ExpressionError(`The 'nanoId()' function field 'length' must not be negative, got ${lengthArg}`);
    length = lengthArg;
  }
  const alphabet = typeof alphabetArg === "string" && alphabetArg.length ? [...alphabetArg] : [...NANO_ALPHABET];
  const mask = alphabet.length - 1;
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b & mask]).join("");
};

/** base 62 digits of a non-negative number, most significant first, no padding */
function base62(n: bigint): string {
  let out = "";
  do {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  } while (n > 0n);
  return out;
}

/** `id()`: Kestra's IdUtils.create, FriendlyId's random (version 4) UUID in base 62, at most 22 characters */
export const id: Builtin = () => base62(BigInt(`0x${crypto.randomUUID().replaceAll("-", "")}`));

/** `ksuid()`: 4 bytes of seconds since KSUID's epoch and 16 random bytes, in base 62, 27 characters */
export const ksuid: Builtin = () => {
  const bytes = new Uint8Array(20);
  new DataView(bytes.buffer).setUint32(0, Math.floor(Date.now() / 1000) - KSUID_EPOCH);
  crypto.getRandomValues(bytes.subarray(4));
  return base62(bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n)).padStart(KSUID_LENGTH, "0");
};
