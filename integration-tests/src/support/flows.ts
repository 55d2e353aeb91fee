import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./ferry-process.js";

/** Kestra's published benchmark flow, as examples/flows holds it */
export const BENCHMARK01 = readFileSync(join(REPO_ROOT, "examples/flows/benchmark01.yaml"), "utf8");

/** Parallel, ForEach and Sleep together, in the given namespace */
export const mixedFlow = (namespace: string, nap = "PT0.05S") => `id: mixed
namespace: ${namespace}
tasks:
  - id: fan
    type: core.Parallel
    tasks:
      - id: each
        type: core.ForEach
        values: [a, b, c]
        concurrencyLimit: 0
        tasks:
          - { id: nap, type: core.Sleep, duration: ${nap} }
      - { id: ret, type: core.Return, format: "{{ execution.id }}" }
  - { id: done, type: core.Log, message: done }
`;
