import { AesGcm } from "@ferry/sdk";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/**
 * The key SECRET inputs are sealed with: `encryption.key` from configuration; in local mode
 * without one, a key made once and kept in `./.ferry/encryption.key` (one process holds
 * both ends, so nothing needs sharing). Other roles without a key refuse SECRET inputs.
 */
export async function encryptionKey(configured: string | undefined, options: { baseDir: string; makeLocal: boolean }): Promise<AesGcm | undefined> {
  if (configured) return AesGcm.fromBase64(configured, "encryption.key");
  if (!options.makeLocal) return undefined;
  const file = resolve(options.baseDir, ".ferry/encryption.key");
  let key = await readFile(file, "utf8").catch(() => undefined);
  if (!key) {
    key = randomBytes(32).toString("base64");
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, key, { mode: 0o600, flag: "wx" }).catch(async () => (key = await readFile(file, "utf8")));
  }
  return AesGcm.fromBase64(key, file);
}
