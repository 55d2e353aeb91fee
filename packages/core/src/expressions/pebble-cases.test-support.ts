import { expect, it } from "vitest";
import type { RenderLimits } from "./render-limits.js";
import { ExpressionError } from "./expression.error.js";
import { renderString } from "./render.js";

/**
 * One assertion of a Kestra pebble test: the template, its variables, and the exact string
 * Kestra's VariableRenderer gives (or the text of the error it throws). `test` names the Kestra
 * test class and method.
 */
export interface Case {
  test: string;
  template: string;
  vars?: Record<string, unknown>;
  expected?: string | RegExp;
  /** The render fails with an ExpressionError holding this text. */
  error?: string | RegExp;
  /** limits other than the defaults (a Kestra test that sets a timeout) */
  limits?: Partial<RenderLimits>;
}

/** one `it` per row (call inside a describe) */
export function runCases(cases: Case[]): void {
  for (const c of cases) {
    it(`${c.test}: ${c.template}`, async () => {
      const rendering = renderString(c.template, { variables: c.vars ?? {}, ...(c.limits ? { limits: c.limits } : {}) });
      if (c.error !== undefined) {
        const error = await rendering.then(
          (v) => new Error(`rendered ${JSON.stringify(v)}`),
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ExpressionError);
        if (typeof c.error === "string") expect((error as Error).message).toContain(c.error);
        else expect((error as Error).message).toMatch(c.error);
      } else if (c.expected instanceof RegExp) {
        expect(await rendering).toMatch(c.expected);
      } else {
        expect(await rendering).toBe(c.expected);
      }
    });
  }
}
