import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { DailyStatistics } from "../api/types";

const SHOWN = ["SUCCESS", "WARNING", "FAILED", "KILLED", "RUNNING", "PAUSING", "PAUSED", "CREATED"];
const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || "#888";

/**
 * Executions per state per day, stacked bars drawn by uPlot (a 50 KB canvas chart): each
 * series is the running sum of the states before it, drawn back to front.
 */
export function StateChart({ days }: { days: DailyStatistics[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const x = days.map((d) => Date.parse(`${d.startDate}T00:00:00Z`) / 1000);
    const stacked: number[][] = [];
    let running = days.map(() => 0);
    for (const state of SHOWN) {
      running = running.map((sum, i) => sum + (days[i].executionCounts[state] ?? 0));
      stacked.push(running);
    }
    const bars = uPlot.paths.bars!({ size: [0.7, 40] });
    const axis = { stroke: cssVar("muted"), grid: { stroke: cssVar("border"), width: 1 }, ticks: { stroke: cssVar("border") } };
    const make = () =>
      new uPlot(
        {
          width: el.clientWidth || 600,
          height: 220,
          legend: { show: true },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [axis, axis],
          // the tallest (the sum of every state) first, each next one drawn over it
          series: [{}, ...[...SHOWN].reverse().map((state) => ({ label: state, fill: cssVar(state), stroke: cssVar(state), paths: bars, points: { show: false } }))],
        },
        [x, ...[...stacked].reverse()],
        el,
      );
    let chart = make();
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    const retheme = () => {
      chart.destroy();
      chart = make();
    };
    window.addEventListener("ferry-theme", retheme);
    return () => {
      resize.disconnect();
      window.removeEventListener("ferry-theme", retheme);
      chart.destroy();
    };
  }, [days]);
  return <div ref={host} className="chart" data-testid="state-chart" />;
}
