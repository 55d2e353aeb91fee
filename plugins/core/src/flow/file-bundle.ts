import { UserError } from "@ferry/sdk";

/**
 * Files packed into one blob and back, for a WorkingDirectory's cache: a header line, the
 * length of a JSON index, the index (path, mode, size of each file), then the files' bytes.
 * Kestra zips its cache; a format of our own needs no archive library on the worker, and
 * keeps file modes (an executable under node_modules/.bin stays executable).
 */
const MAGIC = new TextEncoder().encode("ferry-files/1\n");

export interface BundledFile {
  path: string;
  mode: number;
  bytes: Uint8Array;
}

export function packFiles(files: BundledFile[]): Uint8Array {
  const index = new TextEncoder().encode(JSON.stringify(files.map((f) => ({ path: f.path, mode: f.mode, size: f.bytes.length }))));
  const total = MAGIC.length + 4 + index.length + files.reduce((n, f) => n + f.bytes.length, 0);
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, index.length);
  out.set(index, MAGIC.length + 4);
  let at = MAGIC.length + 4 + index.length;
  for (const f of files) {
    out.set(f.bytes, at);
    at += f.bytes.length;
  }
  return out;
}

export function unpackFiles(blob: Uint8Array): BundledFile[] {
  if (blob.length < MAGIC.length + 4 || !MAGIC.every((b, i) => blob[i] === b)) throw new UserError("the cached files are not a Ferry file bundle");
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const indexLength = view.getUint32(MAGIC.length);
  let at = MAGIC.length + 4;
  const index = JSON.parse(new TextDecoder().decode(blob.subarray(at, at + indexLength))) as Array<{ path: string; mode: number; size: number }>;
  at += indexLength;
  return index.map((entry) => {
    const bytes = blob.subarray(at, at + entry.size);
    at += entry.size;
    return { path: entry.path, mode: entry.mode, bytes };
  });
}
