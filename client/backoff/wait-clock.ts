/**
 * Wall-clock time during which at least one call was waiting (for budget, a slot, or a backoff),
 * as opposed to the sum of every call's waits, which grows with the number of calls in flight.
 */
export class WaitClock {
  private waiting = 0;
  private since = 0;
  private total = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A call starts waiting; call the returned function once when it stops. */
  begin(): () => void {
    if (this.waiting++ === 0) this.since = this.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.waiting === 0) this.total += this.now() - this.since;
    };
  }

  /** Milliseconds with at least one call waiting, up to now. */
  get ms(): number {
    return this.total + (this.waiting > 0 ? this.now() - this.since : 0);
  }
}
