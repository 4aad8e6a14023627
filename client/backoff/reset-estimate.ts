/**
 * Where the current window resets, learnt from many whole-second reports. The server computed a
 * report of `n` seconds at some moment g between sending the call (s) and receiving the answer
 * (r), so the reset lies in (g + n − 1 s, g + n] ⊂ (s + n − 1 s, r + n]. Successive reports of one
 * window arrive at different sub-second phases, so intersecting their intervals pins the reset
 * down; waiting for the interval's upper end is never early.
 */
export interface ResetInterval {
  lo: number;
  hi: number;
}

export function narrowReset(
  current: ResetInterval | undefined,
  sentAt: number,
  receivedAt: number,
  resetMs: number,
): { interval: ResetInterval; newWindow: boolean } {
  const report = { lo: sentAt + resetMs - 1000, hi: receivedAt + resetMs };
  if (current && report.lo < current.hi && current.lo < report.hi) {
    const hi = Math.min(current.hi, report.hi);
    return { interval: { lo: Math.min(Math.max(current.lo, report.lo), hi), hi }, newWindow: false };
  }
  return { interval: report, newWindow: current === undefined || report.lo >= current.hi };
}
