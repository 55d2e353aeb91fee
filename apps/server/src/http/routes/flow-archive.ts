import { UserError } from "@ferry/sdk";
import { unzipSync, zipSync } from "fflate";

/**
 * The files of Kestra's flow export and import (HasSource.asZipFile, readSourceFile): a ZIP of
 * YAML sources, or one YAML file of documents split at `---` lines. What an archive may unpack to
 * is capped (a zip bomb answers 422 before anything is inflated past the cap): fflate inflates each
 * entry into a buffer of the size the archive declares and never past it, so the declared sizes,
 * summed and capped here, bound the memory whatever the archive claims.
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
  return zipSync(Object.fromEntries(files.map((f) => [f.name, new TextEncoder().encode(f.source)])), { level: 6 });
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

function unzip(shown: string, bytes: Uint8Array): SourceFile[] {
  let entries = 0;
  let unpacked = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (entry) => {
        if (++entries > MAX_ENTRIES) throw new UserError(`fileUpload ${shown} holds more than ${MAX_ENTRIES} entries`);
        const name = entry.name;
        // Kestra never writes a file from an entry's path, neither does Ferry; a path that climbs or is absolute is a crafted archive
        if (name.split(/[\\/]/).includes("..") || /^([\\/]|[A-Za-z]:)/.test(name) || name.includes("\0")) {
          throw new UserError(`fileUpload ${shown}: entry ${JSON.stringify(name.slice(0, 200))} has an absolute path or a '..' segment`);
        }
        if (name.endsWith("/") || !isYaml(name)) return false;
        unpacked += entry.originalSize;
        if (unpacked > MAX_UNPACKED_BYTES) throw new UserError(`fileUpload ${shown} unpacks to more than ${MAX_UNPACKED_BYTES} bytes of YAML (at entry ${JSON.stringify(name.slice(0, 200))})`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`fileUpload ${shown} is not a readable zip archive: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return Object.entries(files).map(([name, data]) => ({ name, source: decoder.decode(data) }));
}
