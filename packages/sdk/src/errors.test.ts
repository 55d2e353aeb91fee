import { describe, expect, it } from "vitest";
import { ConflictError, isUnexpected, isUnrecoverable, OperationalError, UnexpectedError, UnrecoverableError, UserError } from "./errors.js";

/** what another copy of this SDK (a plugin installed from outside brings its own) would throw */
const twin = (name: string) => Object.assign(new Error(`from another SDK: ${name}`), { name });

describe("error classes as the worker reads them", () => {
  it("an error of none of Ferry's classes, or an UnexpectedError, is a bug; Ferry's classes are not, from any copy of the SDK", () => {
    for (const bug of [new Error("x"), new TypeError("x"), new UnexpectedError("x"), twin("UnexpectedError"), "a string thrown", undefined]) expect(isUnexpected(bug)).toBe(true);
    for (const typed of [new UserError("x"), new ConflictError("x"), new OperationalError("x"), new UnrecoverableError("x"), twin("UserError"), twin("OperationalError")]) expect(isUnexpected(typed)).toBe(false);
  });

  it("an UnrecoverableError is recognised by class and by name", () => {
    expect(isUnrecoverable(new UnrecoverableError("x"))).toBe(true);
    expect(isUnrecoverable(twin("UnrecoverableError"))).toBe(true);
    expect(isUnrecoverable(new OperationalError("x"))).toBe(false);
  });
});
