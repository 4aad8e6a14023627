import type { Page } from "./page.js";

/**
 * Drives a cursor loop: asks for pages, passing each cursor back unchanged, and stops on the first
 * guard that trips. Every stop has a reason, so a caller can tell a complete listing from a cut one.
 */
export type StopReason =
  /** The server said there are no more pages (null or absent cursor). */
  | "end"
  /** A page came back empty although a cursor was offered (the System Log's endless polling link). */
  | "empty_page"
  /** The server handed back a cursor it had handed back before: a loop. */
  | "repeated_cursor"
  | "max_pages"
  | "max_items";

export interface PaginateOptions {
  /** Pages to fetch at most. Default 1000. */
  maxPages?: number;
  /** Items to yield at most. Default unlimited. */
  maxItems?: number;
}

export interface PageReport {
  index: number;
  items: number;
  nextCursor: string | null;
}

/** A cursor loop as an async iterable of items; `stopReason` and counts are set when it ends. */
export class CursorLoop<T = unknown> implements AsyncIterable<T> {
  stopReason?: StopReason;
  pages = 0;
  items = 0;

  constructor(
    private readonly fetchPage: (cursor: string | undefined) => Promise<Page>,
    private readonly options: PaginateOptions = {},
    private readonly onPage: (report: PageReport) => void = () => {},
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const maxPages = this.options.maxPages ?? 1000;
    const maxItems = this.options.maxItems ?? Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await this.fetchPage(cursor);
      this.onPage({ index: this.pages, items: page.items.length, nextCursor: page.nextCursor });
      this.pages++;
      for (const item of page.items) {
        if (this.items >= maxItems) return this.stop("max_items");
        this.items++;
        yield item as T;
      }
      if (page.nextCursor === null) return this.stop("end");
      if (page.items.length === 0) return this.stop("empty_page");
      if (this.items >= maxItems) return this.stop("max_items");
      if (seen.has(page.nextCursor)) return this.stop("repeated_cursor");
      if (this.pages >= maxPages) return this.stop("max_pages");
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  private stop(reason: StopReason): void {
    this.stopReason = reason;
  }
}
