import { describe, expect, it } from "vitest";
import { FUNCTION_ARGUMENTS } from "./argument-names.js";

/*
 * The argument names (and order: positional arguments take them in turn) of Kestra's functions,
 * as its PebbleExpressionServiceTest lists them
 * (core/src/test/java/io/kestra/core/runners/pebble/PebbleExpressionServiceTest.java).
 */
describe("function argument names (PebbleExpressionServiceTest)", () => {
  it("functionsShouldContainKestraFunctionsWithDefaults and argumentOrderShouldBePreserved", () => {
    // secret: Kestra's key, namespace, subkey, then the docs' full (expressions/04.functions/02.data-access)
    expect(FUNCTION_ARGUMENTS.secret).toEqual(["key", "namespace", "subkey", "full"]);
    expect(FUNCTION_ARGUMENTS.kv).toEqual(["key", "namespace", "errorOnMissing"]);
    expect(FUNCTION_ARGUMENTS.randomInt).toEqual(["lower", "upper"]);
    expect(FUNCTION_ARGUMENTS.http).toEqual(["uri", "method", "query", "body", "contentType", "headers", "options", "accept"]);
    expect(FUNCTION_ARGUMENTS.encrypt).toEqual(["key", "plaintext"]);
    expect(FUNCTION_ARGUMENTS.decrypt).toEqual(["key", "encrypted"]);
    expect(FUNCTION_ARGUMENTS.render).toEqual(["toRender", "recursive"]);
    expect(FUNCTION_ARGUMENTS.read).toEqual(["path", "namespace", "version"]);
  });

  it("functionsShouldContainNoArgFunctions", () => {
    expect(FUNCTION_ARGUMENTS.uuid).toEqual([]);
    expect(FUNCTION_ARGUMENTS.now).toEqual(["format", "timeZone", "existingFormat", "locale"]);
  });
});
