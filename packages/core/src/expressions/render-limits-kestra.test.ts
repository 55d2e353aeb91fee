import { describe, expect, it } from "vitest";
import { RenderLimitError } from "./expression.error.js";
import { renderString } from "./render.js";
import type { RenderLimits } from "./render-limits.js";

/*
 * The filters, functions and tags added for Kestra's expression docs spend the same budget as
 * the rest (render-limits.ts): work in proportion to what they touch, sizes checked before what
 * they make is made, recursion bounded by render.maxDepth.
 */
async function refused(template: string, variables: Record<string, unknown>, limits: Partial<RenderLimits>, limit: keyof RenderLimits): Promise<void> {
  const error = await renderString(template, { variables, limits }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, template).toBeInstanceOf(RenderLimitError);
  expect((error as RenderLimitError).limit, template).toBe(limit);
}

describe("render limits of Kestra's filters and functions", () => {
  it("charges what text filters and hashes read", async () => {
    const s = "x.".repeat(8_000);
    for (const filter of ["sha256", "md5", "sha1", "sha512", "substringAfter('.')", "substringBeforeLast('.')", "escapeChar('single')", "indent(2)", "yaml", "toIon"]) {
      await refused(`{% for i in range(1, 100) %}{{ s | ${filter} | length }}{% endfor %}`, { s }, { maxIterations: 50_000 }, "maxIterations");
    }
  });

  it("charges what list filters visit, and checks the size of what they make before making it", async () => {
    const list = Array.from({ length: 5_000 }, (_, i) => i % 50);
    for (const filter of ["distinct", "chunk(2)", "flatten", "keys"]) {
      await refused(`{% for i in range(1, 100) %}{{ list | ${filter} | length }}{% endfor %}`, { list }, { maxIterations: 200_000 }, "maxIterations");
    }
    await refused("{{ list | chunk(1) | length }}", { list: Array.from({ length: 100 }, () => 1) }, { maxCollectionSize: 50 }, "maxCollectionSize");
    await refused("{{ nested | flatten | length }}", { nested: [Array(40).fill(1), Array(40).fill(2)] }, { maxCollectionSize: 50 }, "maxCollectionSize");
  });

  it("bounds what format filters and render() make", async () => {
    const lines = "line\n".repeat(300);
    await refused("{{ s | indent(10) }}", { s: lines }, { maxOutputLength: 2_000 }, "maxOutputLength");
    await refused("{{ s | nindent(10) }}", { s: lines }, { maxOutputLength: 2_000 }, "maxOutputLength");
    const map = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key${i}`, "value"]));
    await refused("{{ map | yaml }}", { map }, { maxOutputLength: 2_000 }, "maxOutputLength");
    await refused("{{ map | toIon }}", { map }, { maxOutputLength: 2_000 }, "maxOutputLength");
    await refused("{{ render(t) }}", { t: "{{ range(1, 1000) | join(',') }}" }, { maxOutputLength: 1_000 }, "maxOutputLength");
    // a template that renders to itself once more each pass: stopped by its cost before the 100th pass
    await refused("{{ render(t) }}", { t: "{% for i in range(1, 5000) %}x{% endfor %}{{ t }}" }, { maxIterations: 20_000 }, "maxIterations");
  });

  it("stops recursion at render.maxDepth: a macro that calls itself, render() within render() under a lower maxDepth", async () => {
    await refused("{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}", {}, {}, "maxDepth");
    await refused("{{ render(a) }}", { a: "{{ render(a) }}" }, { maxDepth: 20 }, "maxDepth");
    // at the default maxDepth, Kestra's own bound on render() within render() (16, RenderFunctionTest) comes first
    await expect(renderString("{{ render(a) }}", { variables: { a: "{{ render(a) }}" } })).rejects.toThrow("Maximum render() nesting depth (16) exceeded");
  });
});
