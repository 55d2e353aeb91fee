import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readSourceFile, zipSources } from "./flow-archive.js";

describe("flow archives", () => {
  it("keeps every flow of an export whose names collide (`co.a-b` + `c` and `co.a` + `b-c`): the later ones get -2, -3 before the extension", () => {
    // Before: the zip was built from an object keyed by name, and the later flow silently replaced the earlier one
    const zip = zipSources([
      { name: "co.a-b-c.yml", source: "id: c\nnamespace: co.a-b\n" },
      { name: "co.a-b-c.yml", source: "id: b-c\nnamespace: co.a\n" },
      { name: "co.a-b-c.yml", source: "id: x\nnamespace: y\n" },
    ]);
    expect(Object.keys(unzipSync(zip)).sort()).toEqual(["co.a-b-c-2.yml", "co.a-b-c-3.yml", "co.a-b-c.yml"]);
    expect(readSourceFile("export.zip", zip).map((f) => f.source)).toEqual(["id: c\nnamespace: co.a-b\n", "id: b-c\nnamespace: co.a\n", "id: x\nnamespace: y\n"]);
  });

  it("refuses bytes that are no zip, naming why", () => {
    expect(() => readSourceFile("flows.zip", new TextEncoder().encode("PK not really"))).toThrow('fileUpload "flows.zip" is not a readable zip archive: no end of central directory record');
  });
});
