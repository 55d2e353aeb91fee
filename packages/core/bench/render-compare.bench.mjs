// Compares the render speed of two builds of @ferry/core in one process, alternating batches
// and keeping each one's best batch by CPU time (the least disturbed by other load on a shared
// machine, where wall time swings by 2x):
// node packages/core/bench/render-compare.bench.mjs <baseline dist/index.js> [rounds]
const [baselinePath, rounds = "30"] = process.argv.slice(2);
const builds = {
  baseline: (await import(baselinePath)).renderString,
  current: (await import("../dist/index.js")).renderString,
};
const ctx = {
  variables: {
    flow: { id: "hello", namespace: "company.team" },
    inputs: { name: "Ada", count: 3, tags: ["a", "b", "c"] },
    outputs: { first: { value: "42" }, each: { a: { value: "x" } } },
    taskrun: { value: "a" },
  },
};
const templates = {
  simple: "Hello {{ inputs.name }} from {{ flow.namespace }}/{{ flow.id }}",
  filters: "{{ inputs.name | upper }} {{ inputs.tags | join(',') }} {{ outputs.first.value | default('none') }}",
  logic: "{% if inputs.count > 2 %}{% for t in inputs.tags %}{{ t }}{{ loop.last ? '' : '-' }}{% endfor %}{% else %}few{% endif %} {{ outputs.missing ?? 'fallback' }}",
};
const BATCH = 5_000;
for (const [name, template] of Object.entries(templates)) {
  const best = { baseline: Infinity, current: Infinity };
  for (const render of Object.values(builds)) for (let i = 0; i < 5_000; i++) await render(template, ctx);
  for (let round = 0; round < Number(rounds); round++) {
    for (const [build, render] of Object.entries(builds)) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < BATCH; i++) await render(template, ctx);
      const used = process.cpuUsage(t0);
      best[build] = Math.min(best[build], (used.user + used.system) / 1000 / BATCH);
    }
  }
  const rate = (us) => Math.round(1000 / us).toLocaleString("en");
  console.log(`${name}: baseline ${rate(best.baseline)} renders/s, current ${rate(best.current)} renders/s, ratio ${(best.baseline / best.current).toFixed(2)}`);
}
