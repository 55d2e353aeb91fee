import { afterAll, beforeAll, describe, it } from "vitest";

/** Contract cases an implementation cannot pass, each with the reason (printed as the test name). */
export type Skips = Record<string, string>;

interface Lifecycle {
  init?(): Promise<void>;
  close?(): Promise<void>;
}

/**
 * The frame every contract suite shares: one fresh instance from `create`, initialised
 * before the cases and closed after; `test` registers a case, skipped with its reason when
 * the implementation lists it in `skips`.
 */
export function contractSuite<T extends Lifecycle>(
  title: string,
  create: () => Promise<T>,
  skips: Skips | undefined,
  cases: (test: (name: string, fn: () => Promise<void>) => void, instance: () => T) => void,
): void {
  describe(title, () => {
    let instance: T | undefined;
    beforeAll(async () => {
      instance = await create();
      await instance.init?.();
    });
    afterAll(async () => instance?.close?.());
    const test = (name: string, fn: () => Promise<void>) => {
      const reason = skips?.[name];
      if (reason) it.skip(`${name} (skipped: ${reason})`, fn);
      else it(name, fn);
    };
    cases(test, () => instance!);
  });
}
