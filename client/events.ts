import { EventEmitter } from "node:events";
import type { PageReport } from "./cursor/paginate.js";

/** The client's events and their payloads. */
export interface ClientEvents {
  /** A tool call is about to be made (before pacing): for tracing and audit trails. */
  call: [{ tool: string; args: Record<string, unknown> }];
  /** A call met a 429, as HTTP 429 on the MCP request or as an `isError` result with statusCode 429. */
  rateLimited: [{ tool: string; bucket: string; retryAfterMs?: number; via: "http" | "result" }];
  /** A failed attempt is about to be retried. */
  retry: [{ tool: string; attempt: number; delayMs: number; reason: string }];
  /** A page of a cursor loop arrived. */
  page: [PageReport & { tool: string }];
  /** A call waited for its bucket's budget (or a free slot) before it was sent. */
  throttled: [{ bucket: string; waitedMs: number }];
  /**
   * A listener, hook or telemetry call threw. It changed nothing else: the call goes on. Without a
   * listener for this event, paceline prints one console warning per hook.
   */
  listenerError: [{ hook: string; error: unknown }];
}

/** An EventEmitter whose `on`/`emit` know each event's payload. */
export class TypedEmitter {
  private readonly emitter = new EventEmitter();

  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  listenerCount<K extends keyof ClientEvents>(event: K): number {
    return this.emitter.listenerCount(event);
  }

  protected emit<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    this.emitter.emit(event, ...args);
  }
}
