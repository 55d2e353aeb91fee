import { UserError } from "./errors.js";

/**
 * AES-256-GCM with Web Crypto (the same under Node and Deno). A sealed value is base64 of
 * a random 96-bit IV followed by the ciphertext and its tag. The additional data binds a
 * ciphertext to its slot (namespace and name): a row copied to another secret's place does
 * not decrypt.
 */
export class AesGcm {
  private constructor(private readonly key: CryptoKey) {}

  /** `encoded`: 32 bytes, base64 (`openssl rand -base64 32`) */
  static async fromBase64(encoded: string, where = "secrets.key"): Promise<AesGcm> {
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.from(atob(encoded.trim()), (c) => c.charCodeAt(0));
    } catch {
      throw new UserError(`invalid configuration at ${where}: not base64 (make one with: openssl rand -base64 32)`);
    }
    if (bytes.length !== 32) throw new UserError(`invalid configuration at ${where}: an AES-256 key is 32 bytes, this one is ${bytes.length} (make one with: openssl rand -base64 32)`);
    return new AesGcm(await crypto.subtle.importKey("raw", bytes as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt", "decrypt"]));
  }

  async seal(plaintext: string, slot: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encode(slot) }, this.key, encode(plaintext)));
    const out = new Uint8Array(iv.length + sealed.length);
    out.set(iv);
    out.set(sealed, iv.length);
    return toBase64(out);
  }

  /** undefined when this key (or this slot) does not open it */
  async open(sealed: string, slot: string): Promise<string | undefined> {
    const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
    try {
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: encode(slot) }, this.key, bytes.subarray(12));
      return new TextDecoder().decode(plain);
    } catch {
      return undefined;
    }
  }
}

const encode = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
