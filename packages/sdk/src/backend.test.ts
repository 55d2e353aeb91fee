import { describe, expect, it } from "vitest";
import { withMappedErrors } from "./backend.js";

class Store {
  /** a callable property, as a database client is: read as it is, never wrapped */
  readonly client = Object.assign(() => "called", { end: () => "ended" });
  private secret = "kept";

  read(): string {
    return `${this.secret} ${this.client.end()}`;
  }

  async fail(message: string): Promise<never> {
    throw new Error(message);
  }
}

describe("withMappedErrors", () => {
  it("maps sync and async failures; the instance's own members are reached on the instance", async () => {
    const store = withMappedErrors(new Store(), (error) => new Error(`mapped: ${(error as Error).message}`));
    expect(store.read()).toBe("kept ended");
    await expect(store.fail("down")).rejects.toThrow("mapped: down");
  });

  it("mapped twice (a backend's own mapping under the configuration's), methods still run on the instance and both mappings see each failure", async () => {
    const seen: string[] = [];
    const inner = withMappedErrors(new Store(), (error) => {
      seen.push(`inner ${(error as Error).message}`);
      return undefined;
    });
    const outer = withMappedErrors(inner, (error) => new Error(`outer: ${(error as Error).message}`));
    expect(outer.read()).toBe("kept ended");
    await expect(outer.fail("refused")).rejects.toThrow("outer: refused");
    expect(seen).toEqual(["inner refused"]);
  });
});
