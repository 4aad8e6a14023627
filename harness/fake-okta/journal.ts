/**
 * The request journal: what the fake Okta was asked and how it answered, for tests and scenario
 * scoring. Bounded, so a long load test does not grow memory without end.
 */
export interface JournalEntry {
  seq: number;
  requestId: string;
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** Epoch ms the request arrived and ms it took. */
  startedAt: number;
  durationMs: number;
  bucket: string;
  rateLimit: { limit: number; remaining: number; reset: number } | null;
  /** `X-Okta-Retry-For` / `X-Okta-Retry-Count` sent by retrying clients such as the Okta SDK. */
  retryFor: string | null;
  retryCount: number | null;
  faults: string[];
}

export class Journal {
  private entries: JournalEntry[] = [];
  private seq = 0;
  private dropped = 0;

  constructor(private readonly capacity = 100_000) {}

  record(entry: Omit<JournalEntry, "seq">): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    if (this.entries.length > this.capacity) {
      // Drop the oldest tenth at once so trimming stays cheap.
      const excess = Math.ceil(this.capacity / 10);
      this.entries.splice(0, excess);
      this.dropped += excess;
    }
  }

  list(
    filter: { method?: string; pathPrefix?: string; status?: number; sinceSeq?: number } = {},
  ): JournalEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.method === undefined || e.method === filter.method) &&
        (filter.pathPrefix === undefined || e.path.startsWith(filter.pathPrefix)) &&
        (filter.status === undefined || e.status === filter.status) &&
        (filter.sinceSeq === undefined || e.seq > filter.sinceSeq),
    );
  }

  get droppedCount(): number {
    return this.dropped;
  }

  clear(): void {
    this.entries = [];
    this.dropped = 0;
  }
}
