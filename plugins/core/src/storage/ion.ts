import type * as IonJs from "ion-js";
import { createRequire } from "node:module";

/** ion-js takes ~0.1 s to load: loaded at the first item file read or written, not at every start */
let ionModule: typeof IonJs | undefined;
const ion = () => (ionModule ??= createRequire(import.meta.url)("ion-js") as typeof IonJs);

/*
 * Kestra's item files are Amazon Ion text, one value per line (its FileSerde). ion-js (Amazon's
 * own implementation) reads and writes them; values cross into JavaScript as JSON-like data:
 * decimals as numbers written as their text says (166.89, not 166.89000000000001), timestamps
 * as ISO-8601 text, blobs as base64.
 */

/** one Ion value, as plain JavaScript data */
export function fromIon(value: IonJs.dom.Value | null): unknown {
  if (value === null || value.isNull()) return null;
  switch (value.getType()) {
    case ion().IonTypes.BOOL:
      return value.booleanValue();
    case ion().IonTypes.INT:
    case ion().IonTypes.FLOAT:
      return value.numberValue();
    case ion().IonTypes.DECIMAL:
      return Number(value.decimalValue()!.toString());
    case ion().IonTypes.TIMESTAMP:
      return value.timestampValue()!.getDate().toISOString();
    case ion().IonTypes.STRING:
    case ion().IonTypes.SYMBOL:
      return value.stringValue();
    case ion().IonTypes.BLOB:
    case ion().IonTypes.CLOB:
      return Buffer.from(value.uInt8ArrayValue()!).toString("base64");
    case ion().IonTypes.LIST:
    case ion().IonTypes.SEXP:
      return value.elements().map((v) => fromIon(v));
    case ion().IonTypes.STRUCT:
      return Object.fromEntries(value.fields().map(([name, v]) => [name, fromIon(v)]));
    default:
      return null;
  }
}

/** parses one line of an Ion file (a struct, a scalar, a list…) */
export function parseIonLine(line: string): unknown {
  return fromIon(ion().load(line));
}

/** one value as a line of Ion text; strings that look like ISO-8601 instants stay strings */
export function toIonLine(value: unknown): string {
  return ion().dumpText(value as never);
}

/** a struct as a line of Ion text, with the named fields written as Ion timestamps */
export function toIonStruct(fields: Record<string, unknown>, timestamps: string[] = []): string {
  const writer = ion().makeTextWriter();
  writer.stepIn(ion().IonTypes.STRUCT);
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    writer.writeFieldName(name);
    if (timestamps.includes(name) && typeof value === "string") writer.writeTimestamp(ion().Timestamp.parse(value)!);
    else writeValue(writer, value);
  }
  writer.stepOut();
  writer.close();
  return new TextDecoder().decode(writer.getBytes());
}

function writeValue(writer: IonJs.Writer, value: unknown): void {
  if (value === null) writer.writeNull(ion().IonTypes.NULL);
  else if (typeof value === "string") writer.writeString(value);
  else if (typeof value === "boolean") writer.writeBoolean(value);
  else if (typeof value === "number") Number.isInteger(value) ? writer.writeInt(value) : writer.writeFloat64(value);
  else if (Array.isArray(value)) {
    writer.stepIn(ion().IonTypes.LIST);
    for (const v of value) writeValue(writer, v);
    writer.stepOut();
  } else if (typeof value === "object") {
    writer.stepIn(ion().IonTypes.STRUCT);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      writer.writeFieldName(k);
      writeValue(writer, v);
    }
    writer.stepOut();
  } else writer.writeString(String(value));
}
