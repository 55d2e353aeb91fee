import { newId } from "@ferry/sdk";

/** the extension of a URI's last path segment (`.csv`), or undefined: Kestra names its output files after their input's */
export function extensionOf(uri: string): string | undefined {
  const last = uri.split(/[?#]/)[0].split("/").pop() ?? "";
  const dot = last.lastIndexOf(".");
  return dot > 0 || (dot === 0 && last.length > 1) ? last.slice(dot) : undefined;
}

/** a fresh file name with this extension (`.tmp` when none), as Kestra's temporary files are named */
export function freshName(extension: string | undefined): string {
  const ext = extension ? (extension.startsWith(".") ? extension : `.${extension}`) : ".tmp";
  return `${newId()}${ext}`;
}
