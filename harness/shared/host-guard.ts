import type { FastifyInstance } from "fastify";

/**
 * DNS-rebinding protection for a listener: a request whose `Host` (or, when sent, `Origin`) names
 * a host outside the allowed list is refused with 403 before any route runs. The MCP transport spec
 * says servers MUST validate `Origin`; a browser page on a rebound name would otherwise reach a
 * loopback harness (its admin APIs hand out tokens). Loopback names by default; containers and
 * other setups add theirs.
 */
export const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"];

/** A `Host` value is a name or address and an optional port, nothing else (no `user@`, path or `#`). */
const HOST_VALUE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
/** An `Origin` is a scheme, a host and an optional port (RFC 6454), nothing else. */
const ORIGIN_VALUE = /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** The host name of a `Host` header value or an origin URL, lower-cased, without the port. */
function hostnameOf(value: string, isOrigin: boolean): string | undefined {
  if (!(isOrigin ? ORIGIN_VALUE : HOST_VALUE).test(value)) return undefined;
  try {
    return new URL(isOrigin ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The host to put in a URL for a listen address: a wildcard is reached on loopback; IPv6 is bracketed. */
export function urlHost(listenHost: string): string {
  if (listenHost === "0.0.0.0" || listenHost === "::") return "127.0.0.1";
  return listenHost.includes(":") && !listenHost.startsWith("[") ? `[${listenHost}]` : listenHost;
}

export function allowedHostsOf(extra: string[] = []): Set<string> {
  return new Set([...LOOPBACK_HOSTS, ...extra].map((h) => h.toLowerCase()));
}

/** Why a request's Host/Origin is refused, or undefined when both are allowed. */
export function hostProblem(
  host: string | undefined,
  origin: string | undefined,
  allowed: Set<string>,
): string | undefined {
  const hostname = host === undefined ? undefined : hostnameOf(host, false);
  if (!hostname || !allowed.has(hostname))
    return `Host '${host ?? ""}' is not one this server answers to (allowed: ${[...allowed].join(", ")}).`;
  // `Origin: null` (a sandboxed iframe, a file: page) is a foreign origin, not an absent one.
  if (origin !== undefined) {
    const originHost = hostnameOf(origin, true);
    if (!originHost || !allowed.has(originHost))
      return `Origin '${origin}' is not allowed (allowed hosts: ${[...allowed].join(", ")}).`;
  }
  return undefined;
}

export function installHostGuard(
  app: FastifyInstance,
  allowed: Set<string>,
  body: (message: string) => unknown = (message) => ({ error: "forbidden", message }),
): void {
  app.addHook("onRequest", async (request, reply) => {
    const origin = request.headers.origin;
    const problem = hostProblem(request.headers.host, Array.isArray(origin) ? origin[0] : origin, allowed);
    if (problem) return reply.code(403).type("application/json").send(body(problem));
  });
}
