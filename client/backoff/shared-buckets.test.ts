import { describe, expect, it } from "vitest";
import { SharedBuckets } from "./shared-buckets.js";

/** Answers as a server with one or two 600-call budgets would give them; 2 ms round trips. */
function feed(learner: SharedBuckets, answers: [bucket: string, remaining: number][]) {
  let t = 1_000;
  for (const [bucket, remaining] of answers) {
    learner.observe(bucket, { limit: 600, remaining, resetMs: 30_000 }, t, t + 2);
    t += 5;
  }
}

describe("which tools share a budget, from their answers alone", () => {
  it("two tools whose answers interleave on one falling count are merged", () => {
    const learner = new SharedBuckets();
    const answers: [string, number][] = [];
    for (let i = 0; i < 20; i++) answers.push([i % 2 === 0 ? "roles" : "groups", 590 - i]);
    feed(learner, answers);
    expect(learner.resolve("groups")).toBe("roles");
  });

  it("two budgets that fall in step (equal traffic) stay apart", () => {
    const learner = new SharedBuckets();
    const answers: [string, number][] = [];
    // Separate budgets: each answer's count is its own bucket's calls so far.
    for (let i = 0; i < 40; i++) answers.push([i % 2 === 0 ? "a" : "b", 599 - Math.floor(i / 2)]);
    feed(learner, answers);
    expect(learner.resolve("a")).toBe("a");
    expect(learner.resolve("b")).toBe("b");
  });

  it("a busy bucket never merges with an idle one whose old answer it keeps undercutting", () => {
    const learner = new SharedBuckets();
    const answers: [string, number][] = [["list", 599]];
    for (let i = 0; i < 40; i++) answers.push(["roles", 598 - i]);
    feed(learner, answers);
    expect(learner.resolve("roles")).toBe("roles");
  });

  it("different limits are different budgets", () => {
    const learner = new SharedBuckets();
    let t = 0;
    for (let i = 0; i < 20; i++) {
      learner.observe(
        i % 2 ? "x" : "y",
        { limit: i % 2 ? 600 : 1000, remaining: 500 - i, resetMs: 1000 },
        t,
        t + 1,
      );
      t += 5;
    }
    expect(learner.resolve("x")).toBe("x");
  });
});
