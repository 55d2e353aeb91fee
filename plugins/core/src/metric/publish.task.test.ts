import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { publishTask } from "./publish.task.js";

// core/src/main/java/io/kestra/plugin/core/metric/Publish.java, models/tasks/metrics/{Counter,Timer}Metric.java
describe("core.metric.Publish", () => {
  it("reports each counter and timer, rendered, with its tags, and outputs what it published", async () => {
    const r = await runTask(
      publishTask,
      {
        metrics: [
          { type: "counter", name: "rows.{{ inputs.source }}", value: "{{ 40 + 2 }}", tags: { source: "{{ inputs.source }}" } },
          { type: "timer", name: "load", value: "PT1.5S" },
        ],
      },
      { inputs: { source: "crm" } },
    );
    expect(r.metrics).toEqual([
      { name: "rows.crm", value: 42, type: "counter", tags: { source: "crm" } },
      { name: "load", value: 1.5, type: "timer", tags: {} },
    ]);
    expect(r.outputs).toEqual({
      metrics: [
        { name: "rows.crm", type: "counter", value: 42, tags: { source: "crm" } },
        { name: "load", type: "timer", value: "PT1.5S", tags: {} },
      ],
    });
  });

  it("publishes nothing without metrics", async () => {
    const r = await runTask(publishTask, {});
    expect(r.metrics).toEqual([]);
    expect(r.outputs).toEqual({ metrics: [] });
  });

  it("refuses a metric of another type, a counter whose value is no number and a timer whose value is no duration", async () => {
    await expect(runTask(publishTask, { metrics: [{ type: "gauge", name: "g", value: 1 }] })).rejects.toThrow(/counter or timer/);
    await expect(runTask(publishTask, { metrics: [{ type: "counter", name: "c", value: "many" }] })).rejects.toThrow(/metrics\.0\.value|number/);
    await expect(runTask(publishTask, { metrics: [{ type: "timer", name: "t", value: "soon" }] })).rejects.toThrow(/ISO-8601 duration/);
  });
});
