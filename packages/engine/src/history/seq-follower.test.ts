import { describe, expect, it } from "vitest";
import { SeqFollower } from "./seq-follower.js";

describe("SeqFollower", () => {
  it("stores the end of the contiguous prefix; a hole holds it until filled", () => {
    const follower = new SeqFollower(10, 1000, () => 0);
    follower.advance([11, 12, 14, 15]);
    expect(follower.position).toBe(12);
    expect(follower.waiting).toBe(1);
    // 13 commits late: read again from 12, everything is contiguous
    follower.advance([13, 14, 15]);
    expect(follower.position).toBe(15);
    expect(follower.waiting).toBe(0);
  });

  it("gives a hole up once it stayed empty for the timeout (a rolled-back insert)", () => {
    let now = 0;
    const follower = new SeqFollower(0, 1000, () => now);
    follower.advance([1, 3, 4]);
    expect(follower.position).toBe(1);
    now = 999;
    follower.advance([3, 4]);
    expect(follower.position).toBe(1);
    now = 1000;
    follower.advance([3, 4, 5]);
    expect(follower.position).toBe(5);
    expect(follower.waiting).toBe(0);
  });
});
