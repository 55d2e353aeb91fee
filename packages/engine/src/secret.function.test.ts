import { renderString } from "@ferry/core";
import { EnvSecretBackend } from "@ferry/secrets-env";
import { describe, expect, it } from "vitest";
import { secretFunction } from "./secret-function.js";

/*
 * secret(), as Kestra's SecretFunctionTest asserts it (core/src/test/java/io/kestra/core/secret/
 * SecretFunctionTest.java): its secrets, held as Kestra's env backend holds them (SECRET_<NAME>, base64).
 */
const b64 = (text: string) => Buffer.from(text).toString("base64");
const backend = new EnvSecretBackend({
  "SECRET_JSON-SECRET": b64(`{
  "string": "value",
  "number": 42,
  "boolean": true,
  "array": ["one", "two", "three"],
  "object": {"f1": "value1", "f2": "value2"}
}`),
  "SECRET_STRING-SECRET": b64("string-value"),
});
const render = (template: string, namespace = "io.ferry.unittest") =>
  renderString(template, { variables: { flow: { namespace } }, functions: { secret: secretFunction(backend, namespace) } });

describe("secret() (SecretFunctionTest)", () => {
  it("shouldGetSecretGivenExistingSubKey: a value as its text, a list or map as JSON", async () => {
    expect(await render("{{ secret('json-secret', subkey='string') }}")).toBe("value");
    expect(await render("{{ secret('json-secret', subkey='number') }}")).toBe("42");
    expect(await render("{{ secret('json-secret', subkey='array') }}")).toBe('["one","two","three"]');
    expect(await render("{{ secret('json-secret', subkey='object') }}")).toBe('{"f1":"value1","f2":"value2"}');
    expect(await render("{{ secret('json-secret', subkey='boolean') }}")).toBe("true");
  });

  it("shouldFailedGivenNonExistingSubKey", async () => {
    await expect(render("{{ secret('json-secret', subkey='missing') }}")).rejects.toThrow("Cannot find secret sub-key 'missing' in secret 'json-secret'.");
  });

  it("shouldFailedGivenExistingButInvalidSubKey", async () => {
    await expect(render("{{ secret('string-secret', subkey='???') }}")).rejects.toThrow("Failed to read secret sub-key '???' from secret 'string-secret'. Ensure the secret contains valid JSON value.");
  });

  it("SecretFunction.getSecretKey: refused without a key", async () => {
    await expect(render("{{ secret() }}")).rejects.toThrow("The 'secret' function expects an argument 'key'.");
  });

  it("namespace: the flow's own or a parent's (Kestra's open-source edition allows any; Ferry keeps secrets to a namespace and its children)", async () => {
    expect(await render("{{ secret('string-secret', namespace='io.ferry') }}")).toBe("string-value");
    await expect(render("{{ secret('string-secret', namespace='other.team') }}")).rejects.toThrow("may not read the secrets of namespace other.team");
  });

  it("full=true: the docs' map, {value} (Ferry's backends give no metadata); not with subkey", async () => {
    expect(await render("{% set cred = secret('string-secret', full=true) %}{{ cred.value }}|{{ cred.metadata is defined }}")).toBe("string-value|false");
    await expect(render("{{ secret('json-secret', subkey='string', full=true) }}")).rejects.toThrow("cannot be combined with 'subkey'");
    await expect(render("{{ secret('json-secret', full='yes') }}")).rejects.toThrow("'full' with type boolean");
  });
});
