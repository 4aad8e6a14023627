import { AsyncLocalStorage } from "node:async_hooks";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { parseRateLimitHeaders, type RateLimitSignal, waitFromSignal } from "./backoff/rate-limit-headers.js";
import { networkCodeOf, type TransportFacts } from "./backoff/retry-policy.js";

/**
 * The MCP connection: Streamable HTTP, falling back to legacy SSE where the server refuses it,
 * through a fetch that records, for the call running in each async context, the HTTP status and
 * the rate-limit headers of its answer (the SDK does not pass them on).
 */
export interface TransportOptions {
  /** Extra HTTP headers on every request (e.g. `Authorization: Bearer <api token>`). */
  headers?: Record<string, string>;
  /** Default `auto`: Streamable HTTP, falling back to legacy SSE if the server refuses it. */
  transport?: "auto" | "streamable-http" | "sse";
  clientInfo?: { name: string; version: string };
  /** The fetch the transport uses (tests pass nock-intercepted or instrumented ones). */
  fetch?: typeof fetch;
}

export type CallFacts = TransportFacts & { signal?: RateLimitSignal };

export class TrackedConnection {
  private readonly facts = new AsyncLocalStorage<CallFacts>();

  private constructor(readonly client: Client) {}

  static async open(url: string, options: TransportOptions): Promise<TrackedConnection> {
    const kind = options.transport ?? "auto";
    const requestInit = options.headers ? { headers: options.headers } : undefined;
    let connection: TrackedConnection | undefined;
    const open = async (sse: boolean) => {
      const client = new Client(options.clientInfo ?? { name: "paceline", version: "0.1.0" });
      connection = new TrackedConnection(client);
      const fetch = connection.trackingFetch(options.fetch);
      const transport = sse
        ? new SSEClientTransport(new URL(url), { fetch, requestInit })
        : new StreamableHTTPClientTransport(new URL(url), { fetch, requestInit });
      await client.connect(transport);
      return connection;
    };
    if (kind === "sse") return open(true);
    if (kind === "streamable-http") return open(false);
    try {
      return await open(false);
    } catch (error) {
      const status = (error as { status?: number }).status;
      // The spec's backwards-compatibility rule: a 4xx to the initialize POST means try legacy SSE.
      if (status === undefined || status < 400 || status >= 500) throw error;
      return open(true);
    }
  }

  /** Runs `call` with a fresh record of what its HTTP exchange showed. */
  track<T>(facts: CallFacts, call: () => Promise<T>): Promise<T> {
    return this.facts.run(facts, call);
  }

  private trackingFetch(base: typeof fetch = fetch): typeof fetch {
    return async (input, init) => {
      const facts = this.facts.getStore();
      try {
        const response = await base(input, init);
        if (facts && init?.method === "POST") {
          facts.httpStatus = response.status;
          const signal = parseRateLimitHeaders(response.headers);
          if (signal) {
            facts.signal = signal;
            facts.waitMs = waitFromSignal(signal);
            facts.concurrency = signal.limit === 0 && signal.remaining === 0;
          }
        }
        return response;
      } catch (error) {
        if (facts) facts.networkCode = networkCodeOf(error) ?? "EUNKNOWN";
        throw error;
      }
    };
  }
}
