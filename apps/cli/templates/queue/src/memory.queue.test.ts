import { queueContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import backend, { AcmeQueue } from "./index.js";

// the suite every built-in queue (memory, Redis) runs: pass it and the server can rely on you
queueContract("acme", async () => new AcmeQueue());

describe("acme queue backend", () => {
  it("is a queue backend that refuses options it does not know", async () => {
    expect(backend.kind).toBe("queue");
    expect(backend.configSchema.safeParse({ url: "typo" }).success).toBe(false);
    expect(await backend.create({}, { baseDir: "." })).toBeInstanceOf(AcmeQueue);
  });
});
