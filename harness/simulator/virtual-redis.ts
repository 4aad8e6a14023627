import type { PolicyEvent } from "../../client/backoff/pacing-core.js";
import type { Claim, SharedBudget } from "../../client/engine/call-engine.js";
import { sharedUpdate } from "../../client/engine/redis-budget.js";
import type { EventLoop } from "./event-loop.js";

/**
 * The shared budget of `client/engine/redis-budget.ts` in virtual time: one store several
 * simulated workers claim from, with the same rules as its Lua scripts — a claim is granted while
 * the key is absent (unknown) or positive, and decrements it; an answer lowers the key (sets it
 * when absent, until the reported reset); a 429 sets it to 0 until its reset; keys expire.
 */
interface Key {
  value: number;
  expiresAt: number;
}

export class VirtualRedis {
  private readonly keys = new Map<string, Key>();

  constructor(private readonly loop: EventLoop) {}

  private get(bucket: string): Key | undefined {
    const key = this.keys.get(bucket);
    if (key && key.expiresAt <= this.loop.now) {
      this.keys.delete(bucket);
      return undefined;
    }
    return key;
  }

  /** One worker's handle on the store (what `RedisBudget` is for one process). */
  budget(): SharedBudget {
    return {
      claim: async (bucket): Promise<Claim> => {
        const key = this.get(bucket);
        if (!key) return { granted: true };
        if (key.value > 0) {
          key.value--;
          return { granted: true };
        }
        return { granted: false, retryInMs: key.expiresAt - this.loop.now };
      },
      giveBack: (bucket) => {
        const key = this.get(bucket);
        if (key) key.value++;
      },
      // The same update as RedisBudget's (sharedUpdate), applied as its Lua script applies it.
      tell: (event: PolicyEvent) => {
        const update = sharedUpdate(event);
        if (!update) return;
        const key = this.get(event.bucket);
        if (update.hold || !key)
          this.keys.set(event.bucket, { value: update.value, expiresAt: event.at + update.ttlMs });
        else if (update.value < key.value) key.value = update.value;
      },
      close: async () => {},
    };
  }
}
