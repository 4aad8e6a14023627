import { describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../harness/fake-okta/rate-limits.js";
import { startHarness } from "../harness/start.js";
import { connect, ToolResultError } from "./index.js";

/**
 * Whether a Truto-style gateway's cursors expire is unknown, so the harness makes it a setting
 * (`cursorTtlMs`) and the client's cursor loop is tried under the values that help it least: a
 * cursor that dies while the loop waits for the list bucket to refill.
 */
// The list bucket allows two pages a second: the third page waits for the next window.
const LIST_TWO_PER_SECOND: RateLimitConfig = {
  windowMs: 1_000,
  concurrency: 0,
  buckets: [{ name: "users-list", methods: ["GET"], path: "/api/v1/users", limit: 2 }],
};

async function drainAll(cursorTtlMs: number) {
  const harness = await startHarness({
    fixture: { seed: 4, generate: { users: 50, logs: 0 } },
    limits: LIST_TWO_PER_SECOND,
    cursorTtlMs,
  });
  try {
    const client = await connect(harness.gateway.mcpUrl);
    try {
      return await client.drain<{ id: string }>("list_all_okta_users", { limit: 10 });
    } finally {
      await client.close();
    }
  } finally {
    await harness.close();
  }
}

describe("the cursor loop when the gateway's cursors expire", () => {
  it("a cursor that outlives the waits: every page, once", { timeout: 30_000 }, async () => {
    const drained = await drainAll(60_000);
    expect(drained.stopReason).toBe("end");
    expect(new Set(drained.items.map((u) => u.id)).size).toBe(drained.items.length);
    expect(drained.pages).toBe(Math.ceil(drained.items.length / 10));
  });

  it("a cursor that dies while the loop waits: the listing fails naming the expiry, never a partial 'end'", {
    timeout: 30_000,
  }, async () => {
    // The third page waits for the next 1 s window; its cursor lives 100 ms.
    const failure = await drainAll(100).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ToolResultError);
    expect((failure as Error).message).toMatch(/next_cursor has expired/);
  });
});
