/** Time comes from here, so tests can pin it and seeded data stays byte-identical. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until told to move: for deterministic tests. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

/** Real time, shifted to start at `startAt`: a scenario's "now" that still moves (rate-limit windows need it). */
export class ShiftedClock implements Clock {
  private readonly offset: number;
  constructor(startAt: number) {
    this.offset = startAt - Date.now();
  }
  now(): number {
    return Date.now() + this.offset;
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
