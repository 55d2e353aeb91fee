import { OperationalError, UserError } from "@ferry/sdk";
import { Hono } from "hono";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { errorHandler } from "./errors.js";

function appThrowing(error: Error) {
  const app = new Hono();
  app.onError(errorHandler(pino({ level: "silent" })));
  app.get("/", () => {
    throw error;
  });
  return app;
}

const answer = async (error: Error) => {
  const r = await appThrowing(error).request("/");
  return { status: r.status, body: (await r.json()) as { message: string } };
};

describe("the error handler", () => {
  it("answers a database or Redis out of reach with 503 JSON", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(await answer(refused)).toEqual({ status: 503, body: { message: "service unavailable: connect ECONNREFUSED 127.0.0.1:5432; retry later" } });
    expect((await answer(new Error("query failed", { cause: refused }))).status).toBe(503);
    expect((await answer(new OperationalError("Redis is gone"))).status).toBe(503);
  });
  it("answers user errors with their status and details, and bugs with a bare 500", async () => {
    expect(await answer(new UserError("bad", { status: 422, errors: [{ path: "a", message: "b" }] }))).toEqual({ status: 422, body: { message: "bad", errors: [{ path: "a", message: "b" }] } });
    const bug = await answer(new TypeError("cannot read properties of undefined (reading 'x')"));
    expect(bug).toEqual({ status: 500, body: { message: "internal server error" } });
  });
});
