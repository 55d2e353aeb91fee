import { describe, expect, it } from "vitest";
import { pipEnv, requirementsHash } from "./python-dependencies.js";

describe("pip's environment for a python task's dependencies", () => {
  it("holds what pip needs to reach an index (PATH, HOME, its PIP_ settings, proxies, the task's env) and none of the worker's secrets", () => {
    const worker = {
      PATH: "/usr/bin:/bin",
      HOME: "/home/worker",
      PIP_INDEX_URL: "https://pypi.internal/simple",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
      SECRET_DB_PASSWORD: "c2VjcmV0",
      FERRY_DATABASE_URL: "postgres://ferry:pw@db/ferry",
      AWS_SECRET_ACCESS_KEY: "key",
    };
    const env = pipEnv({ PIP_EXTRA_INDEX_URL: "https://extra/simple" }, worker);
    expect(env).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/home/worker",
      PIP_INDEX_URL: "https://pypi.internal/simple",
      HTTPS_PROXY: "http://proxy:3128",
      no_proxy: "localhost",
      PIP_EXTRA_INDEX_URL: "https://extra/simple",
      PIP_ROOT_USER_ACTION: "ignore",
      PIP_DISABLE_PIP_VERSION_CHECK: "1",
      PIP_NO_INPUT: "1",
    });
  });

  it("caches under a hash of the Python version and the requirements in order, as Kestra keys its dependency cache", () => {
    const a = requirementsHash("Python 3.11.7\n", ["pandas", "requests"]);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(requirementsHash("Python 3.11.7", ["pandas", "requests"])).toBe(a);
    expect(requirementsHash("Python 3.12.1", ["pandas", "requests"])).not.toBe(a);
    expect(requirementsHash("Python 3.11.7", ["pandas"])).not.toBe(a);
  });
});
