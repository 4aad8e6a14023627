/**
 * Virtual time for the simulator: events run in time order (ties in the order they were
 * scheduled), and time jumps from one to the next, so a 60-second window costs nothing to wait.
 */
interface Event {
  at: number;
  seq: number;
  run: () => void;
}

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

  /** Runs events until none is left or virtual time passes `untilMs`; returns false on the time limit. */
  run(untilMs = Number.POSITIVE_INFINITY): boolean {
    for (let event = this.pop(); event; event = this.pop()) {
      if (event.at > untilMs) return false;
      this.now = event.at;
      event.run();
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
