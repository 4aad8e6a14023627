import type { TimerHandle, Timers } from "../backoff/pacing-core.js";

/**
 * The engine's clock in real time. Node fires a timer longer than 2³¹−1 ms after 1 ms (with a
 * TimeoutOverflowWarning), so a long wait is armed in steps of at most that and re-armed.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function realTimers(marginMs = 0): Timers {
  return {
    now: () => Date.now(),
    at(at: number, fn: () => void): TimerHandle {
      let timer: NodeJS.Timeout | undefined;
      let keepAlive = true;
      let cancelled = false;
      const arm = () => {
        if (cancelled) return;
        const delay = at + marginMs - Date.now();
        timer = delay > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, delay));
        if (!keepAlive) timer.unref();
      };
      arm();
      return {
        cancel: () => {
          cancelled = true;
          clearTimeout(timer);
        },
        hold: (keep) => {
          keepAlive = keep;
          if (keep) timer?.ref();
          else timer?.unref();
        },
      };
    },
  };
}
