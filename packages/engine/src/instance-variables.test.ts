import { afterEach, describe, expect, it } from "vitest";
import { configureInstance, instanceVariable } from "./instance-variables.js";

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
});
