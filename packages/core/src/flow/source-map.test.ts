import corePlugin from "@ferry/plugin-core";
import { UserError } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PluginRegistry } from "../plugins/registry.js";
import { parseFlow } from "./parse-flow.js";
import { SourceMap } from "./source-map.js";

describe("SourceMap: the line of a property path", () => {
  const source = "id: a\nnamespace: b\ntasks:\n  - id: t\n    type: x\n    deep:\n      list: [1, { k: v }]\n1: numbered\n";
  const map = SourceMap.of(source);

  it("finds maps' keys, sequences' items (by number or digits), and the closest parent written", () => {
    expect(map.line(["tasks", 0, "type"])).toBe(5);
    expect(map.line(["tasks", "0", "deep", "list", 1, "k"])).toBe(7);
    expect(map.line(["tasks", 0, "missing", "deeper"])).toBe(4);
    expect(map.line(["tasks", 7])).toBe(4);
    expect(map.line([1])).toBe(8);
    expect(map.line(["id", "below a scalar"])).toBe(1);
  });

  // one path per problem: the yaml library's getIn walks a map's pairs for each, so 20,000 unknown
  // properties of one task took 27 s; the keys are indexed once per map now (quadratic, this test
  // could not end within its timeout)
  it("names 20,000 unknown properties of one task, each with its line", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `    k${i}: v\n`).join("");
    const flow = `id: big\nnamespace: io.ferry\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n${keys}`;
    const error = (() => {
      try {
        parseFlow(flow, new PluginRegistry([corePlugin]));
      } catch (caught) {
        return caught as UserError;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect(error!.errors).toHaveLength(20_000);
    expect(error!.errors![19_999]).toEqual({ path: "tasks[0].k19999", message: "unknown property 'k19999'", line: 20_006 });
  }, 20_000);
});
