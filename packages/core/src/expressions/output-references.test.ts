import { describe, expect, it } from "vitest";
import { outputReferences } from "./output-references.js";

const ids = (value: unknown) => {
  const refs = outputReferences(value);
  return refs === "all" ? "all" : [...refs].sort();
};

describe("outputReferences", () => {
  it("finds the task ids read by name, with brackets, in keys, tags and macros", () => {
    expect(ids("{{ outputs.a.value }} and {{ outputs['b'].values.x }}")).toEqual(["a", "b"]);
    expect(ids({ "{{ outputs.k.value }}": ["{% if outputs.c is defined %}{{ outputs.d[taskrun.value].value }}{% endif %}"] })).toEqual(["c", "d", "k"]);
    expect(ids("{% macro m(x=outputs.e) %}{{ outputs.f }}{% endmacro %}{{ m() }}")).toEqual(["e", "f"]);
    expect(ids("{% for i in outputs.g.values %}{{ i }}{% else %}{{ outputs.h }}{% endfor %}")).toEqual(["g", "h"]);
  });

  it("finds none where no template reads outputs", () => {
    expect(ids({ format: "{{ taskrun.value }}", n: 3, text: "the outputs of yesterday" })).toEqual([]);
  });

  it("answers all when the read is only known as it renders", () => {
    expect(ids("{{ outputs[inputs.task].value }}")).toBe("all");
    expect(ids("{{ outputs | keys }}")).toBe("all");
    expect(ids("{% set o = outputs %}{{ o.a }}")).toBe("all");
    expect(ids("{{ render(vars.template) }}")).toBe("all");
    expect(ids("{{ renderOnce(vars.t) }}")).toBe("all");
    expect(ids("{{ _context['outputs'] }}")).toBe("all");
    expect(ids("{{ outputs.a ")).toBe("all");
  });
});
