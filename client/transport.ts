import { AsyncLocalStorage } from "node:async_hooks";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { parseRateLimitHeaders, type RateLimitSignal, waitFromSignal } from "./backoff/rate-limit-headers.js";
import { httpStatusOf, networkCodeOf, type TransportFacts } from "./backoff/retry-policy.js";
import { AuthenticationError, ConnectionError, ServerGoneError, shortBody } from "./errors.js";

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

/** The statuses at which the spec's backwards-compatibility rule tries legacy SSE instead. */
const FALLBACK_STATUSES = new Set([400, 404, 405]);

export class TrackedConnection {
  private readonly facts = new AsyncLocalStorage<CallFacts>();
  private transport?: StreamableHTTPClientTransport | SSEClientTransport;

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
      connection.transport = transport;
      try {
        await client.connect(transport);
      } catch (error) {
        throw authenticationFailure(error, url) ?? error;
      }
      return connection;
    };
    const origin = new URL(url).origin;
    if (kind === "sse") return open(true).catch((error) => Promise.reject(connectFailure(error, origin)));
    if (kind === "streamable-http")
      return open(false).catch((error) => Promise.reject(connectFailure(error, origin)));
    try {
      return await open(false);
    } catch (error) {
      // The spec's backwards-compatibility rule: a server that refuses the initialize POST with
      // 400, 404 or 405 may speak the old HTTP+SSE transport. Anything else (a 401 above all) is
      // the answer, not a reason to try another transport.
      const status = (error as { status?: number }).status;
      if (status === undefined || !FALLBACK_STATUSES.has(status)) throw connectFailure(error, origin);
      try {
        return await open(true);
      } catch (legacy) {
        // Neither transport: the first refusal carries the server's own words (an expired URL's).
        throw connectFailure(httpFailureOf(legacy)?.status === status ? error : legacy, origin);
      }
    }
  }

  /** Ends the session: Streamable HTTP sends DELETE with the session id (the spec's SHOULD). */
  async close(): Promise<void> {
    if (this.transport instanceof StreamableHTTPClientTransport && this.transport.sessionId) {
      try {
        await this.transport.terminateSession();
      } catch {
        // A server may answer 405 (it does not allow clients to end sessions): closing goes on.
      }
    }
    await this.client.close();
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

/** What went wrong while connecting, named: nothing listening, no server at the URL, or the error as it came. */
function connectFailure(error: unknown, origin: string): unknown {
  if (error instanceof AuthenticationError) return error;
  const code = networkCodeOf(error);
  if (code !== undefined)
    return new ConnectionError(
      "connect",
      origin,
      code,
      code === "ECONNREFUSED" ? "nothing is listening" : "the connection failed",
      {
        cause: error,
      },
    );
  const http = httpFailureOf(error);
  if (http && (http.status === 404 || http.status === 410))
    return new ServerGoneError(origin, http.status, shortBody(http.text), { cause: error });
  return error;
}

/** The HTTP status and body of an MCP SDK error for a refused request, where it has them. */
export function httpFailureOf(error: unknown): { status: number; text?: string } | undefined {
  const e = error as { data?: { text?: unknown }; message?: unknown };
  // The legacy SSE transport's GET says its status only as "Non-200 status code (404)".
  const status =
    httpStatusOf(error) ??
    Number(/status code \((\d{3})\)/.exec(String(e?.message ?? ""))?.[1] ?? Number.NaN);
  if (!Number.isInteger(status)) return undefined;
  return { status, text: typeof e?.data?.text === "string" ? e.data.text : undefined };
}

/** A 401/403 while connecting, as an AuthenticationError naming the status and the server. */
function authenticationFailure(error: unknown, url: string): AuthenticationError | undefined {
  const status = (error as { status?: unknown; code?: unknown }).status ?? (error as { code?: unknown }).code;
  const text = String((error as Error)?.message ?? "");
  const fromText = /\b(401|403)\b/.exec(text)?.[1];
  const found =
    typeof status === "number" && (status === 401 || status === 403)
      ? status
      : fromText
        ? Number(fromText)
        : undefined;
  if (found === undefined) return undefined;
  return new AuthenticationError(found, new URL(url).origin, { cause: error });
}
