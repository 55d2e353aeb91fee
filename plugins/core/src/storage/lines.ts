/**
 * The lines of a text file as Java's BufferedReader.readLine gives them, which Kestra's storage
 * tasks read with: split on \n, \r or \r\n, the terminators dropped, and no empty last line
 * for a file that ends with one.
 */
export function readLines(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  if (!text) return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (/(\r\n|\n|\r)$/.test(text)) lines.pop();
  return lines;
}

const encoder = new TextEncoder();

/** bytes of text in UTF-8 */
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** joins byte chunks into one array */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
