import { describe, expect, it } from "vitest";
import { outputReferences } from "./output-references.js";

const refs = (value: unknown) => {
  const found = outputReferences(value);
  return found === "all" ? "all" : Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)));
};

describe("outputReferences", () => {
  it("finds the task ids read by name, with brackets, in keys, tags and macros", () => {
    expect(refs("{{ outputs.a.value }} and {{ outputs['b'].values.x }}")).toEqual({ a: "every", b: "every" });
    expect(refs({ "{{ outputs.k.value }}": ["{% if outputs.c is defined %}{{ outputs.d.value }}{% endif %}"] })).toEqual({ c: "every", d: "every", k: "every" });
    expect(refs("{% macro m(x=outputs.e) %}{{ outputs.f }}{% endmacro %}{{ m() }}")).toEqual({ e: "every", f: "every" });
    expect(refs("{% for i in outputs.g.values %}{{ i }}{% else %}{{ outputs.h }}{% endfor %}")).toEqual({ g: "every", h: "every" });
  });

  it("tells a read of the current iteration only, outputs.x[taskrun.value], from any other", () => {
    expect(refs("{{ outputs.a[taskrun.value].value }}")).toEqual({ a: "iteration" });
    expect(refs(["{{ outputs.a[taskrun.value].value }}", "{{ outputs.a['x'].value }}"])).toEqual({ a: "every" });
    expect(refs("{{ outputs.a[parent.taskrun.value][taskrun.value] }}")).toEqual({ a: "every" });
    // a template that names something else taskrun reads some other iteration
    expect(refs("{% set taskrun = {'value': 'x'} %}{{ outputs.a[taskrun.value] }}")).toEqual({ a: "every" });
    expect(refs("{% for taskrun in list %}{{ outputs.a[taskrun.value] }}{% endfor %}")).toEqual({ a: "every" });
  });

  it("finds none where no template reads outputs", () => {
    expect(refs({ format: "{{ taskrun.value }}", n: 3, text: "the outputs of yesterday" })).toEqual({});
  });

  it("answers all when the read is only known as it renders", () => {
    expect(refs("{{ outputs[inputs.task].value }}")).toBe("all");
    expect(refs("{{ outputs | keys }}")).toBe("all");
    expect(refs("{% set o = outputs %}{{ o.a }}")).toBe("all");
    expect(refs("{{ render(vars.template) }}")).toBe("all");
    expect(refs("{{ renderOnce(vars.t) }}")).toBe("all");
    // ParentOutputFunction, IterationOutputFunction, OutputFromIterationFunction read `outputs` for a task known only as they run
    expect(refs("{{ parentOutput() }}")).toBe("all");
    expect(refs("{% if taskrun.iteration > 0 %}{{ iterationOutput('sum') }}{% endif %}")).toBe("all");
    expect(refs("{{ outputFromIteration(0) | trim }}")).toBe("all");
    expect(refs("{{ iterationOutputs(0, 'sum') }}")).toBe("all");
    expect(refs("{{ _context['outputs'] }}")).toBe("all");
    expect(refs("{{ outputs.a ")).toBe("all");
  });
});
