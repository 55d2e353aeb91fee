import { UserError } from "@ferry/sdk";
import { Unzip, UnzipInflate, zipSync } from "fflate";

/**
 * The files of Kestra's flow export and import (HasSource.asZipFile, readSourceFile): a ZIP of
 * YAML sources, or one YAML file of documents split at `---` lines. What an archive may unpack to
 * is capped (a zip bomb answers 422 before anything is inflated past the cap): the bytes inflated
 * are counted as they come, whatever sizes the archive declares (unzip, below).
 */

/** what the entries of one archive may unpack to, together */
export const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
/** entries of one archive (directories and non-YAML files included) */
export const MAX_ENTRIES = 10_000;

export interface SourceFile {
  /** the entry's path in the archive, or the document's index in a YAML file (Kestra's names of what failed) */
  name: string;
  source: string;
}

const isYaml = (name: string) => /\.ya?ml$/i.test(name);
const decoder = new TextDecoder();

/** a ZIP holding each source under its name */
export function zipSources(files: SourceFile[]): Uint8Array {
  // two flows can make one name (`co.a-b` + `c` and `co.a` + `b-c`): the later ones get `-2`, `-3`… before the
  // extension rather than one silently replacing the other (Kestra's zip writer fails the export on a duplicate)
  const named: Record<string, Uint8Array> = {};
  for (const f of files) {
    let name = f.name;
    for (let n = 2; name in named; n++) name = f.name.replace(/(\.[^.]*)?$/, (ext) => `-${n}${ext}`);
    named[name] = new TextEncoder().encode(f.source);
  }
  return zipSync(named, { level: 6 });
}

/** the flow sources of an uploaded file, as Kestra's readSourceFile reads them; refused (422) naming what is wrong */
export function readSourceFile(fileName: string, bytes: Uint8Array): SourceFile[] {
  const shown = JSON.stringify(fileName.slice(0, 100));
  if (isYaml(fileName)) {
    // Kestra splits at a line of `---` alone and names each part by its index; the separator's line end goes with it
    return decoder.decode(bytes).split(/^---[ \t]*(?:\r?\n|$)/m).map((source, i) => ({ name: String(i), source }));
  }
  if (/\.zip$/i.test(fileName)) return unzip(shown, bytes);
  const dot = fileName.lastIndexOf(".");
  throw new UserError(`Cannot import file of type ${dot < 0 ? "(no extension)" : fileName.slice(dot).slice(0, 20)}: fileUpload ${shown} must be a .zip archive or a .yaml / .yml file`);
}

/** how much of the archive is handed to the inflater at a time: what one step may inflate is bounded by it (deflate's ratio is ~1,032 at most) */
const PUSH_BYTES = 4 * 1024;

/**
 * The YAML entries of a zip, read as a stream (fflate's Unzip) fed a few KiB at a time: every byte
 * inflated is counted as it comes, and the archive is refused once its YAML passes the cap. A
 * count of what the entries *declare* would not do: an inflater decodes the whole compressed
 * stream whatever size the entry claims, and entries can share one stream (a 262 KB upload of 8
 * entries declaring 1 byte each, over one stream of 256 MiB, held the event loop 6 s — a review's
 * measure; with 10,000 entries, hours).
 */
function unzip(shown: string, bytes: Uint8Array): SourceFile[] {
  let entries = 0;
  let unpacked = 0;
  let refused: UserError | undefined;
  const files: SourceFile[] = [];
  const refuse = (error: UserError) => (refused ??= error);
  if (!hasEndRecord(bytes)) throw new UserError(`fileUpload ${shown} is not a readable zip archive: no end of central directory record`);
  const reader = new Unzip((file) => {
    if (refused) return;
    if (++entries > MAX_ENTRIES) return refuse(new UserError(`fileUpload ${shown} holds more than ${MAX_ENTRIES} entries`));
    const name = file.name;
    // Kestra never writes a file from an entry's path, neither does Ferry; a path that climbs or is absolute is a crafted archive
    if (name.split(/[\\/]/).includes("..") || /^([\\/]|[A-Za-z]:)/.test(name) || name.includes("\0")) {
      return refuse(new UserError(`fileUpload ${shown}: entry ${JSON.stringify(name.slice(0, 200))} has an absolute path or a '..' segment`));
    }
    if (name.endsWith("/") || !isYaml(name)) return;
    const chunks: Uint8Array[] = [];
    file.ondata = (error, chunk, final) => {
      if (refused) return;
      if (error) return refuse(new UserError(`fileUpload ${shown} is not a readable zip archive: entry ${JSON.stringify(name.slice(0, 200))}: ${error.message}`, { cause: error }));
      unpacked += chunk.length;
      if (unpacked > MAX_UNPACKED_BYTES) {
        file.terminate();
        return refuse(new UserError(`fileUpload ${shown} unpacks to more than ${MAX_UNPACKED_BYTES} bytes of YAML (at entry ${JSON.stringify(name.slice(0, 200))})`));
      }
      chunks.push(chunk);
      if (final) files.push({ name, source: decoder.decode(Buffer.concat(chunks)) });
    };
    file.start();
  });
  reader.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.length && !refused; at += PUSH_BYTES) reader.push(bytes.subarray(at, at + PUSH_BYTES), at + PUSH_BYTES >= bytes.length);
  } catch (error) {
    if (!refused) throw new UserError(`fileUpload ${shown} is not a readable zip archive: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (refused) throw refused;
  return files;
}

/** a zip ends with its end-of-central-directory record (PK\x05\x06), within the last 22 + 65,535 bytes (its comment) */
function hasEndRecord(bytes: Uint8Array): boolean {
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (bytes[at] === 0x50 && bytes[at + 1] === 0x4b && bytes[at + 2] === 0x05 && bytes[at + 3] === 0x06) return true;
  }
  return false;
}
