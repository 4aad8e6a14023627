import type { Timers } from "../../client/backoff/pacing-core.js";

/**
 * Virtual time for the simulator: events run in time order (ties in the order they were
 * scheduled), and time jumps from one to the next, so a 60-second window costs nothing to wait.
 * Between two events every pending promise reaction runs (as Node drains microtasks between two
 * timer callbacks), so async code — paceline's call engine — runs here unchanged.
 */
interface Event {
  at: number;
  seq: number;
  run: () => void;
  /** False once cancelled: skipped without a turn of the microtask queue. */
  live?: () => boolean;
}

/** Lets every pending promise reaction run (a macrotask turn drains the microtask queue). */
const drainMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

export class EventLoop {
  private heap: Event[] = [];
  private seq = 0;
  now: number;

  constructor(start = 0) {
    this.now = start;
  }

  at(time: number, run: () => void): void {
    this.push({ at: Math.max(time, this.now), seq: this.seq++, run });
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.now + delayMs, run);
  }

  /** The engine's clock and timers, in this loop's virtual time. */
  timers(): Timers {
    return {
      now: () => this.now,
      at: (at, fn) => {
        let live = true;
        this.push({ at: Math.max(at, this.now), seq: this.seq++, run: fn, live: () => live });
        return { cancel: () => (live = false) };
      },
    };
  }

  /** Runs events until none is left or virtual time passes `untilMs`; resolves false on the time limit. */
  async run(untilMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    await drainMicrotasks();
    for (let event = this.pop(); event; event = this.pop()) {
      if (event.live && !event.live()) continue;
      if (event.at > untilMs) return false;
      this.now = event.at;
      event.run();
      await drainMicrotasks();
    }
    return true;
  }

  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(event: Event): void {
    const heap = this.heap;
    heap.push(event);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i] as Event, heap[parent] as Event)) break;
      [heap[i], heap[parent]] = [heap[parent] as Event, heap[i] as Event];
      i = parent;
    }
  }

  private pop(): Event | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < heap.length && this.less(heap[l] as Event, heap[best] as Event)) best = l;
        if (r < heap.length && this.less(heap[r] as Event, heap[best] as Event)) best = r;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best] as Event, heap[i] as Event];
        i = best;
      }
    }
    return top;
  }
}
