import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../config/config.schema.js";
import { renderLimitsSchema } from "../config/render.schema.js";
import type { RenderContext } from "./evaluator.js";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { evaluateExpression, renderString, renderValue } from "./render.js";
import { configureRenderLimits, DEFAULT_RENDER_LIMITS, type RenderLimits } from "./render-limits.js";

const ctx = (limits?: Partial<RenderLimits>, extra: Partial<RenderContext> = {}): RenderContext => ({ variables: { inputs: { n: 10_000_000 } }, limits, ...extra });
const r = (template: string, limits?: Partial<RenderLimits>) => renderString(template, ctx(limits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** the render fails with a RenderLimitError that names `render.<limit>` */
async function refused(render: Promise<unknown>, limit: keyof RenderLimits): Promise<RenderLimitError> {
  const error = await render.then(
    () => expect.fail(`expected render.${limit} to stop the render`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RenderLimitError);
  expect(error).toBeInstanceOf(ExpressionError);
  expect((error as RenderLimitError).limit).toBe(limit);
  expect((error as Error).message).toContain(`render.${limit} is `);
  return error as RenderLimitError;
}

afterEach(() => configureRenderLimits({}));

describe("render limits", () => {
  it("refuses the issue's template before building the range, without memory growth", async () => {
    const before = process.memoryUsage().heapUsed;
    const error = await refused(r("{{ range(0, inputs.n) | join(',') | length }}"), "maxCollectionSize");
    expect(error.message).toBe("render budget exceeded: render.maxCollectionSize is 1000000, range(0, 10000000) would make 10000001 elements");
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    await refused(r("{{ (1..100000000) | length }}"), "maxCollectionSize");
    await refused(evaluateExpression("range(0, inputs.n)", ctx()), "maxCollectionSize");
    // `??` and `default` catch undefined names, not a breached limit
    await refused(r("{{ range(0, inputs.n) ?? 'none' }}"), "maxCollectionSize");
  });

  it("bounds strings made by join, by concatenation and by the output itself", async () => {
    const sep = ",".repeat(60);
    const error = await refused(r(`{{ range(1, 200000) | join('${sep}') | length }}`), "maxOutputLength");
    expect(error.message).toMatch(/render\.maxOutputLength is 10000000, join of 200000 items would make a string of \d+ characters/);
    await refused(r("{{ range(1, 1000) | join(',') }}", { maxOutputLength: 1000 }), "maxOutputLength");
    // doubling a string 40 times would make 2^40 characters
    await refused(r("{% set s = 'x' %}{% for i in range(1, 40) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}"), "maxOutputLength");
    await refused(r("{% set s = 'x' %}{% for i in range(1, 40) %}{% set s = s + s %}{% endfor %}{{ s | length }}"), "maxOutputLength");
    await refused(r("{% for i in range(1, 2000) %}0123456789{% endfor %}", { maxOutputLength: 10_000 }), "maxOutputLength");
    await refused(r("{{ range(1, 5000) | toJson }}", { maxOutputLength: 1000 }), "maxOutputLength");
    await refused(r("{{ 'ab' | replace({'a': 'xxxxxxxxxx'}) | replace({'x': 'yyyyyyyyyy'}) }}", { maxOutputLength: 50 }), "maxOutputLength");
  });

  it("bounds collections made by range, operators and filters", async () => {
    const limits = { maxCollectionSize: 10 };
    expect(await r("{{ range(1, 10) | length }}", limits)).toBe("10");
    await refused(r("{{ range(1, 11) | length }}", limits), "maxCollectionSize");
    await refused(r("{{ (1..11) | length }}", limits), "maxCollectionSize");
    await refused(r("{{ 'a,b,c,d,e,f,g,h,i,j,k' | split(',') | length }}", limits), "maxCollectionSize");
    await refused(r("{{ range(1, 6) | merge(range(1, 6)) | length }}", limits), "maxCollectionSize");
    await expect(r("{{ range(5, 1, 0) }}")).rejects.toThrow(/step must not be 0/);
  });

  it("bounds loop iterations and the elements filters visit", async () => {
    const nested = "{% for i in range(1, 100) %}{% for j in range(1, 100) %}{{ j }}{% endfor %}{% endfor %}";
    const error = await refused(r(nested, { maxIterations: 5000 }), "maxIterations");
    expect(error.message).toContain("render.maxIterations is 5000");
    await refused(r("{{ range(1, 100) | join(',') | split(',') | sort | join(',') }}", { maxIterations: 300 }), "maxIterations");
  });

  it("bounds nesting of expressions, templates and values without overflowing the stack", async () => {
    const deep = 5000;
    for (const template of [
      `{{ ${"(".repeat(deep)}1${")".repeat(deep)} }}`,
      `{{ ${"[".repeat(deep)}1${"]".repeat(deep)} }}`,
      `{{ ${"- ".repeat(deep)}1 }}`,
      `{{ ${Array(deep).fill("1").join(" + ")} }}`,
      `${"{% if true %}".repeat(deep)}x${"{% endif %}".repeat(deep)}`,
      "{% set x = 1 %}{% for i in range(1, 1000) %}{% set x = [x] %}{% endfor %}{{ x | length }}",
    ]) {
      const error = await refused(r(template), "maxDepth");
      expect(error).not.toBeInstanceOf(RangeError);
    }
    let value: unknown = "{{ 1 }}";
    for (let i = 0; i < deep; i++) value = { nested: [value] };
    await refused(renderValue(value, ctx()), "maxDepth");
    await refused(r("{{ [[[[[[1]]]]]] | length }}", { maxDepth: 5 }), "maxDepth");
    expect(await r("{{ [[1]] | length }}", { maxDepth: 5 })).toBe("1");
  });

  it("stops a render that runs past its time", async () => {
    const slow = async () => {
      await sleep(20);
      return "z";
    };
    const template = "{% for i in range(1, 20) %}{{ slow() }}{% endfor %}";
    const error = await refused(renderString(template, ctx({ timeoutMs: 50 }, { functions: { slow } })), "timeoutMs");
    expect(error.message).toMatch(/render\.timeoutMs is 50, the render ran for \d+ ms/);
  });

  it("stops when the task's signal aborts, with the abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error("task timed out after PT1S");
    const abortAt = (args: unknown[]) => {
      if (args[0] === 5) controller.abort(reason);
      return "";
    };
    const template = "{% for i in range(1, 100000) %}{{ abortAt(i) }}{% endfor %}";
    await expect(renderString(template, ctx(undefined, { functions: { abortAt }, signal: controller.signal }))).rejects.toBe(reason);

    // aborted from outside while a long loop runs: the render yields, so the abort gets through
    const outside = new AbortController();
    setTimeout(() => outside.abort("killed"), 5);
    const long = "{% for i in range(1, 1000000) %}{% for j in range(1, 1000) %}{% endfor %}{% endfor %}";
    await expect(renderString(long, ctx({ maxIterations: 1e12, timeoutMs: 600_000 }, { signal: outside.signal }))).rejects.toThrow(/render aborted: killed/);
    await expect(renderValue(["{{ 1 }}"], ctx(undefined, { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
  });

  it("shares one budget across a top-level call, and starts afresh for the next", async () => {
    const loop = "{% for i in range(1, 300) %}{% endfor %}";
    const limits = { maxIterations: 1000 };
    // 300 elements for the range, 300 iterations
    expect(await r(loop, limits)).toBe("");
    expect(await r(loop, limits)).toBe("");
    await refused(renderValue([loop, { k: loop }], ctx(limits)), "maxIterations");
  });

  it("takes process-wide limits, which a context's own limits override", async () => {
    configureRenderLimits({ maxCollectionSize: 10 });
    await refused(r("{{ range(1, 11) | length }}"), "maxCollectionSize");
    expect(await r("{{ range(1, 11) | length }}", { maxCollectionSize: 20 })).toBe("11");
    configureRenderLimits({});
    expect(await r("{{ range(1, 11) | length }}")).toBe("11");
    expect(() => configureRenderLimits({ maxDepth: 0 })).toThrow(/render\.maxDepth must be a positive number/);
  });

  it("lets large but sane renders pass under the defaults", async () => {
    expect(DEFAULT_RENDER_LIMITS.maxCollectionSize).toBe(1_000_000);
    expect(await r("{{ range(0, 100000) | join(',') | length }}")).toBe("588896");
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `row ${i}` }));
    const big = { variables: { rows } };
    expect((await renderString("{% for row in rows %}{{ row.id }}:{{ row.name | upper }};{% endfor %}", big)).length).toBeGreaterThan(200_000);
    expect(JSON.parse(await renderString("{{ rows | toJson }}", big))).toHaveLength(20_000);
    expect(await renderString("{{ rows | length }} {{ rows | sort | first | toJson }}", big)).toBe('20000 {"id":0,"name":"row 0"}');
    let value: unknown = "{{ 1 + 1 }}";
    for (let i = 0; i < 50; i++) value = [value];
    let out = await renderValue(value, ctx());
    for (let i = 0; i < 50; i++) out = (out as unknown[])[0];
    expect(out).toBe("2");
  });

  it("lets other work run while a runaway render spends its budget", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // would run for hours; it yields every 10,000 steps until its 100 ms are spent
      const runaway = "{% for i in range(1, 1000000) %}{% for j in range(1, 1000) %}{% endfor %}{% endfor %}";
      await refused(renderString(runaway, ctx({ maxIterations: 1e12, timeoutMs: 100 })), "timeoutMs");
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
    ticks = 0;
    const timer2 = setInterval(() => ticks++, 1);
    try {
      // an iteration budget: a million loop iterations, yielding every 10,000 steps
      const bounded = "{% for i in range(1, 1000000) %}{% for j in range(1, 1000) %}{% endfor %}{% endfor %}";
      await refused(renderString(bounded, ctx({ maxIterations: 2_000_000 })), "maxIterations");
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer2);
    }
  });

  it("is configured by ferry.yaml's render section", () => {
    expect(configSchema.parse({}).render).toEqual({});
    expect(configSchema.parse({ render: { maxIterations: "1000", timeoutMs: 100 } }).render).toEqual({ maxIterations: 1000, timeoutMs: 100 });
    expect(renderLimitsSchema.safeParse({ maxDepth: 0 }).success).toBe(false);
    expect(renderLimitsSchema.safeParse({ timeout: 100 }).success).toBe(false);
  });
});
