import { describe, expect, it } from "vitest";
import { WaitClock } from "./wait-clock.js";

describe("wall-clock waiting", () => {
  it("overlapping waits count once; gaps do not count", () => {
    let t = 0;
    const clock = new WaitClock(() => t);
    // Hand-worked: A waits 0–10, B 5–20, C 30–35 → covered 0–20 and 30–35 = 25 ms (their sum is 30).
    const a = clock.begin();
    t = 5;
    const b = clock.begin();
    t = 10;
    a();
    t = 20;
    b();
    t = 30;
    const c = clock.begin();
    t = 33;
    expect(clock.ms).toBe(23);
    t = 35;
    c();
    c();
    expect(clock.ms).toBe(25);
  });
});
