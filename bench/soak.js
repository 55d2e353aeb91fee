// Issue #18.6: the soak. benchmark01 through its webhook at a fixed rate for minutes on one
// `ferry server local`, reported per window (a minute by default): executions, p50/p99 of the
// ones started in it, errors, the server's RSS at its end and its CPU over it. A map or cache
// that only grows shows as RSS and p99 climbing window after window; the last line gives the
// growth from the second window (the first holds the warm-up) to the last.
//
// With several roots (`--baseline DIR`: the baseline's build first), each soaks in turn with the
// same load, so that a change is a ratio within one run.

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
const round = (v) => (v === null ? null : Number(v.toFixed(1)));

/** one soak per root; answers the summary rows */
export async function soakScenario({ roots, startServer, deploy, execute, rssMb, cpuSeconds, json, source, seconds, rate, window }) {
  if (!(seconds > 0) || !(rate > 0) || !(window > 0)) throw new Error("soak: --soak-seconds, --soak-rate and --soak-window must be positive numbers");
  const summaries = [];
  for (const root of roots) {
    const server = await startServer({ yaml: "", env: {} }, root);
    try {
      await deploy(server.url, source);
      for (let i = 0; i < 200; i++) await execute(server.url, "benchmark01", "webhook"); // warm-up
      summaries.push(await soakOne({ root, server, execute, rssMb, cpuSeconds, json, seconds, rate, window }));
    } finally {
      await server.stop();
    }
  }
  if (summaries.length > 1) {
    const [base, now] = [summaries[0], summaries[summaries.length - 1]];
    const ratio = (key) => (base[key] ? Number((now[key] / base[key]).toFixed(2)) : null);
    const row = { scenario: "soak-ratio", rss_last_ratio: ratio("rss_last_mb"), p99_max_ratio: ratio("p99_max_ms"), cpu_ratio: ratio("cpu_ms_per_execution") };
    console.log(json ? JSON.stringify(row) : `soak ratio    rss at the end ×${row.rss_last_ratio}, worst window p99 ×${row.p99_max_ratio}, cpu per execution ×${row.cpu_ratio} (this checkout / baseline)`);
  }
  return summaries;
}

async function soakOne({ root, server, execute, rssMb, cpuSeconds, json, seconds, rate, window }) {
  const windows = [];
  const total = Math.round(rate * seconds);
  const perWindow = Math.round(rate * window);
  const t0 = performance.now();
  const cpu0 = cpuSeconds(server.pid);
  let current = { pending: [], cpu: cpu0, started: t0 };
  const closeWindow = async (w) => {
    const results = await Promise.all(w.pending);
    const elapsed = (performance.now() - w.started) / 1000;
    const cpuNow = cpuSeconds(server.pid);
    const lat = results.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b);
    const row = {
      scenario: "soak", root, window: windows.length + 1, executions: results.length, errors: results.length - lat.length,
      p50_ms: round(pct(lat, 50)), p99_ms: round(pct(lat, 99)), max_ms: round(lat.at(-1) ?? null),
      rss_mb: rssMb(server.pid), cpu_pct: Math.round((100 * (cpuNow - w.cpu)) / elapsed), cpu_s: cpuNow - w.cpu,
    };
    windows.push(row);
    if (json) console.log(JSON.stringify(row));
    else console.log(`soak          window ${String(row.window).padStart(3)} ${String(row.executions).padStart(6)} runs  p50 ${row.p50_ms} ms  p99 ${row.p99_ms} ms  max ${row.max_ms} ms  errors ${row.errors}  rss ${row.rss_mb} MB  cpu ${row.cpu_pct}%`);
  };
  const closing = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    // behind schedule, still one turn of the event loop per request: answers are read as they come,
    // where a synchronous catch-up would start every remaining request in one go
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
    if (i > 0 && i % perWindow === 0) {
      // the window's requests end on their own; its line is printed once they all have
      closing.push(closeWindow(current));
      current = { pending: [], cpu: cpuSeconds(server.pid), started: performance.now() };
    }
    current.pending.push(execute(server.url, "benchmark01", "webhook").catch(() => ({ ms: 0, ok: false })));
  }
  closing.push(closeWindow(current));
  await Promise.all(closing);
  windows.sort((a, b) => a.window - b.window);
  const steady = windows.length > 1 ? windows.slice(1) : windows;
  const executions = windows.reduce((n, w) => n + w.executions, 0);
  const summary = {
    scenario: "soak-summary", root, rate, seconds, executions,
    errors: windows.reduce((n, w) => n + w.errors, 0),
    rss_first_mb: steady[0].rss_mb, rss_last_mb: steady.at(-1).rss_mb, rss_max_mb: Math.max(...windows.map((w) => w.rss_mb)),
    p99_first_ms: steady[0].p99_ms, p99_last_ms: steady.at(-1).p99_ms, p99_max_ms: Math.max(...steady.map((w) => w.p99_ms ?? 0)),
    cpu_ms_per_execution: Number(((1000 * windows.reduce((s, w) => s + w.cpu_s, 0)) / Math.max(1, executions)).toFixed(3)),
  };
  if (json) console.log(JSON.stringify(summary));
  else console.log(`soak          ${root}: ${executions} executions at ${rate}/s, errors ${summary.errors}; rss ${summary.rss_first_mb} → ${summary.rss_last_mb} MB (max ${summary.rss_max_mb}); p99 ${summary.p99_first_ms} → ${summary.p99_last_ms} ms (worst ${summary.p99_max_ms}); cpu ${summary.cpu_ms_per_execution} ms per execution`);
  return summary;
}
