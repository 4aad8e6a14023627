import type { PolicyEvent } from "../../client/backoff/pacing-core.js";
import type { Claim, SharedBudget } from "../../client/engine/call-engine.js";
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
    const ttl = (until: number | undefined, at: number) => Math.max(50, (until ?? at + 1000) - at);
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
      tell: ({ bucket, step, state, at }: PolicyEvent) => {
        const key = this.get(bucket);
        if (step === "refused") {
          this.keys.set(bucket, { value: 0, expiresAt: at + ttl(state.refusedUntil, at) });
        } else if (step === "answered" && state.mode === "paced" && state.remaining !== undefined) {
          if (!key)
            this.keys.set(bucket, { value: state.remaining, expiresAt: at + ttl(state.reportedEnd, at) });
          else if (state.remaining < key.value) key.value = state.remaining;
        }
      },
      close: async () => {},
    };
  }
}
