// Micro-benchmark of one cached template rendered again and again (the hot path of a worker
// rendering a task's properties): node packages/core/bench/render.bench.mjs, after a build.
const { renderString } = await import(process.env.FERRY_CORE_DIST ?? "../dist/index.js");

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
const N = Number(process.argv[2] ?? 200_000);
for (const [name, template] of Object.entries(templates)) {
  for (let i = 0; i < 20_000; i++) await renderString(template, ctx); // warm up (and cache)
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await renderString(template, ctx);
  const ms = performance.now() - t0;
  console.log(`${name}: ${Math.round((N / ms) * 1000).toLocaleString("en")} renders/s (${(ms / N * 1000).toFixed(2)} µs each)`);
}
