import { describe, expect, it } from "vitest";
import { resolveProcessUser } from "./process-user.js";

describe("resolveProcessUser (worker.processUser)", () => {
  it("resolves a user name to its uid and primary group", () => {
    expect(resolveProcessUser("root")).toEqual({ name: "root", uid: 0, gid: 0 });
  });

  it("takes uid:gid as given, named when the system knows the uid", () => {
    expect(resolveProcessUser("0:0")).toEqual({ name: "root", uid: 0, gid: 0 });
    expect(resolveProcessUser("54321:54322")).toEqual({ name: "54321:54322", uid: 54321, gid: 54322 });
  });

  it.each([
    ["no-such-user-ferry", /^invalid configuration at worker\.processUser: no user 'no-such-user-ferry' on this machine/],
    ["bad user!", /^invalid configuration at worker\.processUser: 'bad user!' is neither a user name nor uid:gid/],
    ["99999999999:1", /^invalid configuration at worker\.processUser: '99999999999:1' is not a uid:gid pair of valid ids/],
  ])("refuses %j, naming the setting", (spec, message) => {
    expect(() => resolveProcessUser(spec)).toThrow(message);
  });
});
