import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveServer } from "./server-target.js";

const folder = (yaml?: string) => {
  const dir = mkdtempSync(join(tmpdir(), "ferry-target-"));
  if (yaml !== undefined) writeFileSync(join(dir, "ferry.yaml"), yaml);
  return dir;
};

describe("resolveServer", () => {
  it("takes --server, then FERRY_SERVER_URL, then ferry.yaml's server section, then the default", () => {
    const cwd = folder("server: { port: 9090 }\n");
    expect(resolveServer({ server: "http://a:1" }, { FERRY_SERVER_URL: "http://b:2" }, cwd)).toEqual({ url: "http://a:1", source: "--server" });
    expect(resolveServer({}, { FERRY_SERVER_URL: "http://b:2" }, cwd)).toEqual({ url: "http://b:2", source: "$FERRY_SERVER_URL" });
    expect(resolveServer({}, {}, cwd)).toEqual({ url: "http://127.0.0.1:9090", source: `server section of ${join(cwd, "ferry.yaml")}` });
    expect(resolveServer({}, {}, folder())).toEqual({ url: "http://127.0.0.1:8080", source: "default" });
    expect(resolveServer({}, {}, folder("repository: { type: sqlite }\n"))).toEqual({ url: "http://127.0.0.1:8080", source: "default" });
  });

  it("reads host and port with their ${ENV} and FERRY_SERVER__ overrides, and only those", () => {
    const cwd = folder('server:\n  host: "${HOST:-ferry.internal}"\n  port: ${PORT}\nsecrets: { type: vault, token: "${VAULT_TOKEN}" }\n');
    expect(resolveServer({}, { PORT: "7000" }, cwd).url).toBe("http://ferry.internal:7000");
    expect(resolveServer({}, { PORT: "7000", FERRY_SERVER__PORT: "7001", FERRY_SERVER__HOST: "10.0.0.5" }, cwd)).toEqual({
      url: "http://10.0.0.5:7001",
      source: `server section of ${join(cwd, "ferry.yaml")}, $FERRY_SERVER__HOST, $FERRY_SERVER__PORT`,
    });
    expect(() => resolveServer({}, {}, cwd)).toThrow("server.port: environment variable PORT is not set");
    expect(resolveServer({}, { FERRY_SERVER__PORT: "7002" }, folder()).url).toBe("http://127.0.0.1:7002");
  });

  it("reaches a server listening on every address through loopback; refuses a port nobody can reach", () => {
    expect(resolveServer({}, {}, folder("server: { host: 0.0.0.0, port: 8081 }\n")).url).toBe("http://127.0.0.1:8081");
    expect(resolveServer({}, {}, folder('server: { host: "::", port: 8082 }\n')).url).toBe("http://[::1]:8082");
    expect(() => resolveServer({}, {}, folder("server: { port: 0 }\n"))).toThrow("server.port '0'");
    expect(() => resolveServer({}, {}, folder("server: [\n"))).toThrow("invalid YAML");
  });

  it("--config names another file, which must exist", () => {
    const cwd = folder("server: { port: 9090 }\n");
    writeFileSync(join(cwd, "other.yaml"), "server: { port: 9191 }\n");
    expect(resolveServer({ config: "other.yaml" }, {}, cwd).url).toBe("http://127.0.0.1:9191");
    expect(() => resolveServer({ config: "missing.yaml" }, {}, cwd)).toThrow("--config missing.yaml: no such file");
  });
});
