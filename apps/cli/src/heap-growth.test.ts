import { execFileSync } from "node:child_process";
import { cachedDataVersionTag, setFlagsFromString } from "node:v8";
import { describe, expect, it } from "vitest";
import { limitHeapGrowth, SERVER_HEAP_GROWING_PERCENT } from "./heap-growth.js";

/* V8's version tag hashes its flags: the same tag as a node started with the flag means the flag is in force. */
const tagOf = (...flags: string[]) => Number(execFileSync(process.execPath, [...flags, "-e", "console.log(require('node:v8').cachedDataVersionTag())"], { encoding: "utf8" }).trim());

describe("ferry server local's heap growth", () => {
  it("leaves alone a growth node was started with", () => {
    const before = cachedDataVersionTag();
    expect(limitHeapGrowth(["--heap-growing-percent=80"])).toBe(false);
    expect(cachedDataVersionTag()).toBe(before);
  });

  it("is in force once set, as if node had been started with --heap-growing-percent", () => {
    // this process runs with node's default flags, as the server does
    const defaults = tagOf();
    expect(cachedDataVersionTag()).toBe(defaults);
    try {
      expect(limitHeapGrowth([])).toBe(true);
      expect(cachedDataVersionTag()).toBe(tagOf(`--heap-growing-percent=${SERVER_HEAP_GROWING_PERCENT}`));
      expect(cachedDataVersionTag()).not.toBe(defaults);
    } finally {
      // unit files share their worker (isolate: false): V8's default (0: V8 picks the growth) back for the next file
      setFlagsFromString("--heap-growing-percent=0");
    }
    expect(cachedDataVersionTag()).toBe(defaults);
  });
});
