import { afterEach, describe, expect, it } from "vitest";
import { configSchema } from "../config/config.schema.js";
import { renderLimitsSchema } from "../config/render.schema.js";
import type { Node } from "./ast.js";
import type { RenderContext } from "./evaluator.js";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { checkTemplate, evaluateExpression, renderString, renderValue } from "./render.js";
import { configureRenderLimits, DEFAULT_RENDER_LIMITS, RenderBudget, type RenderLimits } from "./render-limits.js";
import { unknownNames } from "./template-check.js";

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

/** how often a 1 ms interval fired while `work` ran: more than a few times means the render kept yielding */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

/** the render either completes or fails with a RenderLimitError, whichever limit it names */
async function completesOrRefused(render: Promise<unknown>): Promise<void> {
  const error = await render.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error !== undefined) expect(error).toBeInstanceOf(RenderLimitError);
}

const withVariables = (variables: Record<string, unknown>, limits?: Partial<RenderLimits>): RenderContext => ({ variables, limits });

afterEach(() => configureRenderLimits({}));

describe("render limits", () => {
  it("refuses the issue's template before building the range, without memory growth", async () => {
    const before = process.memoryUsage().heapUsed;
    // Kestra's BoundedRangeFunction refuses it first, at a million elements whatever render.maxCollectionSize says
    const error = await r("{{ range(0, inputs.n) | join(',') | length }}").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as Error).message).toBe("The range function cannot produce more than 1000000 elements, but this call would produce 10000001.");
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    await refused(r("{{ (1..100000000) | length }}"), "maxCollectionSize");
    await refused(evaluateExpression("0..inputs.n", ctx()), "maxCollectionSize");
    // `??` and `default` catch undefined names, not a breached limit
    await refused(r("{{ (0..inputs.n) ?? 'none' }}"), "maxCollectionSize");
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

describe("render limits on costly operations", () => {
  const bigComparisons = "{% set r = range(0, 999999) %}{% set r2 = range(0, 999999) %}{% for i in range(1, 300) %}{{ r == r2 }}{% endfor %}";

  it("charges comparisons, keys and text filters by what they read, and yields while they run", async () => {
    // 300 comparisons of two million-element lists: stopped by a limit, the event loop turning meanwhile
    expect(await ticksDuring(() => completesOrRefused(r(bigComparisons)))).toBeGreaterThan(3);
    await refused(r(bigComparisons, { timeoutMs: 200, maxIterations: 1e12 }), "timeoutMs");
    const outside = new AbortController();
    setTimeout(() => outside.abort("stopped"), 5);
    await expect(renderString(bigComparisons, ctx({ maxIterations: 1e12, timeoutMs: 600_000 }, { signal: outside.signal }))).rejects.toThrow(/render aborted: stopped/);

    // each would cost 100 × 10,000 steps or more: past 300,000, whatever the operation
    const operations = [
      "r == r2", "r != r2", "t < t", "t >= t", "-1 in r", "r2 contains [-1]", "{(r): 1} | length", "m[r] ?? 0",
      "r | startsWith('[')", "r | endsWith(']')", "r | abbreviate(5)", "[r, r2] | sort | length", "fromJson(t) | length",
      "json(t) | length", "t | upper | length", "r | toJson | length",
    ];
    for (const operation of operations) {
      const template = `{% set r = range(0, 9999) %}{% set r2 = range(0, 9999) %}{% set t = r | toJson %}{% for i in range(1, 100) %}{{ ${operation} }}{% endfor %}`;
      await refused(renderString(template, withVariables({ m: {} }, { maxIterations: 300_000 })), "maxIterations");
    }
  });

  it("a limit reached between the two sides of a comparison leaves no promise behind (an unhandled rejection)", async () => {
    // printing the left list pauses, printing the right one hits the limit: both must be awaited
    const template = "{% set r = range(0, 99999) %}{% set r2 = range(0, 99999) %}{% for i in range(1, 50) %}{{ r == r2 }}{% endfor %}";
    for (let timeoutMs = 1; timeoutMs <= 40; timeoutMs += 3) await completesOrRefused(r(template, { timeoutMs, maxIterations: 1e12 }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // a stray rejection would surface here
  });

  it("looks at the clock and the signal every thousand steps, and after any large charge", () => {
    const reason = new Error("task cancelled");
    const controller = new AbortController();
    const budget = new RenderBudget(undefined, controller.signal);
    budget.charge(10, "a few steps");
    controller.abort(reason);
    expect(() => budget.charge(5000, "one large step")).toThrow(reason);

    const every = new AbortController();
    const counted = new RenderBudget(undefined, every.signal);
    every.abort(reason);
    let steps = 0;
    expect(() => {
      for (; steps < 2000; steps++) counted.charge(1, "one step");
    }).toThrow(reason);
    expect(steps).toBeLessThan(1000);

    const late = new RenderBudget({ timeoutMs: 1 });
    const start = Date.now();
    while (Date.now() - start < 5);
    expect(() => late.charge(1000, "one large step")).toThrow(/render\.timeoutMs is 1/);
  });

  it("keeps every filter's output within maxOutputLength, however the filter makes it", async () => {
    // a date pattern's output is measured as it grows, not once made (it made 146 million characters)
    const zone = "America/Argentina/ComodRivadavia";
    for (const template of [`{{ now(format=f, timeZone='${zone}') }}`, `{{ '2024-03-15T10:00:00Z' | date(f, timeZone='${zone}') }}`]) {
      const error = await refused(renderString(template, withVariables({ f: "Vz".repeat(400_000) })), "maxOutputLength");
      const made = Number(/would make a string of (\d+) characters/.exec(error.message)![1]);
      expect(made).toBeLessThan(DEFAULT_RENDER_LIMITS.maxOutputLength + zone.length + 1);
    }
    // filters whose output outgrows their input
    const growing: Array<[string, string]> = [
      ["{{ s | upper }}", "ß".repeat(600)],
      ["{{ s | lower }}", "İ".repeat(600)],
      ["{{ s | urlencode }}", "ä".repeat(200)],
      ["{{ s | slugify }}", "㎉".repeat(300)],
      ["{{ s | replace({'a': 'aaa'}) }}", "a".repeat(400)],
      ["{{ s | title }}", "ŉ ".repeat(400)],
    ];
    for (const [template, s] of growing) await refused(renderString(template, withVariables({ s }, { maxOutputLength: 1000 })), "maxOutputLength");
  });

  it("charges text filters a step per 16 characters, and gives the same text when made a piece at a time", async () => {
    const filters = ["upper", "lower", "title", "capitalize | trim", "slugify", "urlencode", "urldecode", "base64encode", "base64decode", "split(',') | length", "replace({'x': 'y'})", "reverse"];
    for (const filter of filters) {
      const template = `{% for i in range(1, 100) %}{{ s | ${filter} | length }}{% endfor %}`;
      await refused(renderString(template, withVariables({ s: "x".repeat(16_000) }, { maxIterations: 50_000 })), "maxIterations");
    }

    // longer than a piece (65,536 characters), with spaces, tabs, newlines, Σ and surrogate pairs at every offset
    const s = "alpha ßeta ΣΑΣ\tgamma\nδelta 𝐀𝐁c $& ".repeat(20_011);
    const expected: Record<string, string> = {
      title: s.replace(/(^|\s)(\S)/g, (_, x: string, y: string) => x + y.toUpperCase()),
      upper: s.toUpperCase(),
      lower: s.toLowerCase(),
      // Kestra's Slugify.of
      slugify: s.replace(/\s/g, "-").normalize("NFD").replace(/[^A-Za-z0-9_-]/g, "").replaceAll("_", "-").replace(/-{2,}/g, "-").replace(/^-|-$/g, "").toLowerCase(),
      // Java's URLEncoder
      urlencode: encodeURIComponent(s).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll("%20", "+"),
      "replace({'a': '$&', ' ': '  ', 'Σ': ''})": s.replaceAll("a", () => "$&").replaceAll(" ", "  ").replaceAll("Σ", ""),
    };
    for (const [filter, text] of Object.entries(expected)) {
      expect(await renderString(`{{ s | ${filter} }}`, withVariables({ s })), filter).toBe(text);
    }
    // a filter with a callback per word, over millions of characters, lets the event loop turn
    const words = "a ".repeat(1_000_000);
    let titled = "";
    expect(await ticksDuring(async () => (titled = await renderString("{{ s | title }}", withVariables({ s: words }))))).toBeGreaterThan(3);
    expect(titled).toBe("A ".repeat(1_000_000));
  });

  it("checks parsed JSON against maxDepth and maxCollectionSize before parsing, and compares deep values without overflowing", async () => {
    const deep = "[".repeat(1_700_000) + "]".repeat(1_700_000);
    const before = process.memoryUsage().heapUsed;
    await refused(renderString("{{ fromJson(d) | length }}", withVariables({ d: deep })), "maxDepth");
    await refused(renderString("{{ json(d) | length }}", withVariables({ d: deep })), "maxDepth");
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(100 * 1024 * 1024);
    await refused(renderString("{{ fromJson(t) | length }}", withVariables({ t: `[${"0,".repeat(1_000_000)}0]` })), "maxCollectionSize");
    await refused(renderString("{{ fromJson(t) | length }}", withVariables({ t: `{"a": {"b": [${"1,".repeat(100)}1]}}` }, { maxCollectionSize: 50 })), "maxCollectionSize");
    expect(await r(`{{ fromJson('{"a": [1, "x,]"]}').a | length }}`)).toBe("2");

    // a parsed value nests as deep as it is: wrapping it in lists stops at maxDepth
    const nested150 = "[".repeat(150) + "]".repeat(150);
    expect(await r(`{{ fromJson('${nested150}') | length }}`)).toBe("1");
    await refused(r(`{% set x = fromJson('${nested150}') %}{% for i in range(1, 60) %}{% set x = [x] %}{% endfor %}{{ x | length }}`), "maxDepth");
    await refused(r(`{% set x = json('${nested150}') %}{{ ${"[".repeat(60)}x${"]".repeat(60)} | length }}`), "maxDepth");

    // values from outside, far deeper than maxDepth: compared and printed without recursion
    let a: unknown = 1;
    let b: unknown = 1;
    for (let i = 0; i < 100_000; i++) {
      a = [a];
      b = [b];
    }
    for (const operation of ["a == b", "a != b", "[a] contains b", "a in [b]", "[a, b] | sort | length", "a | toJson", "json(a) | length", "a ~ 'x'"]) {
      const error = await render(`{{ ${operation} }}`, { a, b });
      expect(error, operation).toBeInstanceOf(RenderLimitError);
      expect((error as RenderLimitError).limit, operation).toBe("maxDepth");
    }
    // an error message shows the start of such a value, printed as far as shown
    const message = ((await render("{{ a * 1 }}", { a })) as Error).message;
    expect(message).toMatch(/'\[\[\[\[\[.*…' \* '1' \(numbers only\)/);
    expect(message.length).toBeLessThan(200);
  });

  it("refuses at deploy an expression whose tree is deeper than maxDepth, however long its chain", async () => {
    const chain = (terms: number, op = "+") => Array(terms).fill("1").join(` ${op} `);
    const deployError = (template: string) => {
      try {
        checkTemplate(template);
        return undefined;
      } catch (error) {
        return error;
      }
    };
    // before, 201 to ~5,000 terms deployed and then failed every render; past 10,000 the check overflowed the stack
    for (const template of [
      `{{ ${chain(201)} }}`,
      `{{ ${chain(5000)} }}`,
      `{{ ${chain(20_000)} }}`,
      `{{ ${chain(300, "~")} }}`,
      `{{ ${chain(300, "and")} }}`,
      `{{ x${" | upper".repeat(300)} }}`,
      `{{ x${".a".repeat(300)} }}`,
      `{% if ${chain(300, "==")} %}{% endif %}`,
      `${"{% if true %}".repeat(50)}{{ ${chain(160)} }}${"{% endif %}".repeat(50)}`,
    ]) {
      const error = deployError(template);
      expect(error, template.slice(0, 40)).toBeInstanceOf(RenderLimitError);
      expect((error as Error).message).toContain("render.maxDepth is 200");
    }
    await refused(evaluateExpression(chain(300), ctx()), "maxDepth");

    // whatever deploys renders: the chain at its longest, at the top and inside tags
    expect(deployError(`{{ ${chain(200)} }}`)).toBeUndefined();
    expect(await r(`{{ ${chain(200)} }}`)).toBe("200");
    const inTags = `${"{% if true %}".repeat(50)}{{ ${chain(150)} }}${"{% endif %}".repeat(50)}`;
    expect(deployError(inTags)).toBeUndefined();
    expect(await r(inTags)).toBe("150");

    // the check walks a tree with an explicit stack: even one no parser would make does not overflow it
    let expr: Node = { type: "literal", value: 1 };
    for (let i = 0; i < 200_000; i++) expr = { type: "binary", op: "+", left: expr, right: { type: "literal", value: i } };
    expr = { type: "filter", input: expr, name: "nope", args: [], named: {} };
    expect(unknownNames([{ kind: "out", expr }])).toEqual([expect.stringContaining("unknown filter 'nope'")]);
  });
});

/** renders, returning the error it failed with (or fails the test) */
async function render(template: string, variables: Record<string, unknown>): Promise<unknown> {
  return renderString(template, { variables }).then(
    () => expect.fail(`expected '${template}' to fail`),
    (e: unknown) => e,
  );
}
