import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCases, runCase } from "./support/conformance-case.js";
import { REPO_ROOT, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

/**
 * This project's conformance suite: Kestra flows with the results Kestra gives, each case
 * written from Kestra's documentation or source and naming the file it follows (`source`).
 * Cases live in integration-tests/conformance/<area>/<case>/ in the format of
 * ../shared/conformance (its README), run here against a real `ferry server local`.
 */
const ROOT = join(REPO_ROOT, "integration-tests/conformance");
// FERRY_CONFORMANCE_ONLY=inputs/ (or inputs/003) runs the cases whose name holds that text
const ONLY = process.env.FERRY_CONFORMANCE_ONLY;
const cases = listCases(ROOT).filter((c) => !ONLY || c.name.includes(ONLY));

let ferry: FerryProcess;
beforeAll(async () => {
  ferry = await startFerryProcess({
    env: {
      SECRET_CONFORMANCE_SECRET: Buffer.from("s3cr3t").toString("base64"),
      // a JSON secret, for secret(…, subkey=…) (expressions/284)
      SECRET_CONFORMANCE_JSON: Buffer.from('{"number": 42, "array": ["one", "two", "three"]}').toString("base64"),
      // what envs.* and env() read (expressions/060)
      ENV_CONFORMANCE_REGION: "eu-west-3",
      // what `{{ kestra.environment }}` and `{{ kestra.url }}` read (expressions/045)
      FERRY_INSTANCE__ENVIRONMENT: "conformance",
      FERRY_INSTANCE__URL: "http://ferry.conformance.test:8080",
      // what `{{ globals.* }}` reads (expressions/290): Kestra's kestra.variables.globals
      FERRY_VARIABLES__GLOBALS__STRING: "string",
      FERRY_VARIABLES__GLOBALS__INT: "1",
      FERRY_VARIABLES__GLOBALS__BOOL: "true",
      FERRY_VARIABLES__GLOBALS__NESTED__INT: "2",
    },
  });
});
afterAll(async () => {
  await ferry?.stop();
});

describe("project conformance cases against a real `ferry server local`", () => {
  it("every case names the Kestra source it follows", () => {
    expect(cases.filter((c) => !c.expect.source).map((c) => c.name)).toEqual([]);
  });
  for (const c of cases) {
    it(c.name, async () => {
      expect(await runCase(ferry.url, c)).toEqual([]);
    });
  }
});
