import { v7 } from "uuid";

/** Ids are UUIDv7: time-ordered, so they sort by creation and index well. */
export function newId(): string {
  return v7();
}
