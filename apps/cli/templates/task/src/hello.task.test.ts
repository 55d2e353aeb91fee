import { runTask } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import { acmeConnectionType } from "./api.connection.js";
import { helloTask } from "./hello.task.js";

describe("acme.Hello", () => {
  it("greets the rendered name and logs it", async () => {
    const result = await runTask(helloTask, { name: "{{ inputs.who }}" }, { inputs: { who: "Ferry" } });
    expect(result.outputs).toEqual({ greeting: "Hello Ferry" });
    expect(result.logs).toEqual([{ level: "INFO", message: "Hello Ferry" }]);
  });

  it("refuses a property of the wrong type", async () => {
    await expect(runTask(helloTask, { name: "x", shout: "loudly" })).rejects.toThrow();
  });

  it("runs on an acme connection, its token from a secret", async () => {
    const result = await runTask(helloTask, { name: "Ferry", connection: "acme_prod" }, {
      connections: { acme_prod: { type: "acme", values: { url: "https://acme.example", token: "{{ secret('ACME_TOKEN') }}" } } },
      connectionTypes: [acmeConnectionType],
      secrets: { ACME_TOKEN: "t0k3n" },
    });
    expect(result.outputs).toEqual({ greeting: "Hello Ferry from https://acme.example" });
    await expect(runTask(helloTask, { connection: "absent" }, { connectionTypes: [acmeConnectionType] })).rejects.toThrow("connection absent not found");
  });
});
