import { afterEach, describe, expect, it } from "vitest";
import { configureInstance, globalVariables, instanceVariable } from "./instance-variables.js";

describe("the `kestra` variable from instance configuration", () => {
  afterEach(() => configureInstance(undefined));

  it("gives environment and url, the url ending in a slash as Kestra's RunVariables makes it", () => {
    configureInstance({ environment: "prod", url: "https://ferry.example.com" });
    expect(instanceVariable()).toEqual({ environment: "prod", url: "https://ferry.example.com/" });
    configureInstance({ url: "https://ferry.example.com/base/" });
    expect(instanceVariable()).toEqual({ url: "https://ferry.example.com/base/" });
  });

  it("is absent when nothing is configured, so `{{ kestra.url }}` fails as an undefined variable does", () => {
    configureInstance({});
    expect(instanceVariable()).toBeUndefined();
  });

  // Kestra's VariablesTest.recursiveVars reads `{{globals.string}} {{globals.int}} {{globals.bool}} {{globals.nested.int}}` (kestra.variables.globals)
  it("gives `globals` from variables.globals, always there and empty when none is configured", () => {
    expect(globalVariables()).toEqual({});
    configureInstance({}, { string: "string", int: 1, bool: true, nested: { int: 2 } });
    expect(globalVariables()).toEqual({ string: "string", int: 1, bool: true, nested: { int: 2 } });
    expect(Object.isFrozen((globalVariables().nested as object))).toBe(true);
  });
});
