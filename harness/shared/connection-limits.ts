import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * How long a connection may dawdle, on every listener the harness opens. Fastify sets no request
 * or socket timeout by default, so 500 slow bodies stayed open indefinitely; Node's own defaults
 * (300 s for a request, 60 s for its headers) are sized for the open internet, not a local harness
 * whose requests are a few KB. Replies are not bounded here: an injected latency fault may be
 * minutes long on purpose.
 */
export interface ConnectionLimits {
  /** The request's headers must have arrived by then (slow-loris). */
  headersMs: number;
  /** The whole request, body included, must have arrived by then (slow bodies). */
  requestMs: number;
  /** A kept-alive connection with no request in flight is closed after this. */
  keepAliveMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
};

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Fastify's options for a Node server with these limits. Node checks them on an interval (30 s
 * by default); it is made a quarter of the shortest limit so a short limit holds as stated.
 */
export function boundedServer(limits: Partial<ConnectionLimits> = {}) {
  const { headersMs, requestMs, keepAliveMs } = { ...DEFAULT_CONNECTION_LIMITS, ...limits };
  const headersTimeout = Math.min(headersMs, requestMs);
  return {
    keepAliveTimeout: keepAliveMs,
    requestTimeout: requestMs,
    serverFactory: (handler: Handler) =>
      createServer(
        {
          headersTimeout,
          requestTimeout: requestMs,
          keepAliveTimeout: keepAliveMs,
          connectionsCheckingInterval: Math.max(50, Math.min(30_000, headersTimeout / 4)),
        },
        handler,
      ),
  };
}
