import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { type Clock, systemClock } from "../shared/clock.js";
import { boundedServer, type ConnectionLimits } from "../shared/connection-limits.js";
import { allowedHostsOf, installHostGuard, urlHost } from "../shared/host-guard.js";
import { adminRoutes } from "./admin.js";
import { OktaError } from "./errors.js";
import { FaultInjector, type FaultSchedule } from "./faults.js";
import type { Fixture } from "./fixture.js";
import { Journal } from "./journal.js";
import { installLayers } from "./layers.js";
import { LIMIT_PRESETS, type LimitPreset, type RateLimitConfig, RateLimiter } from "./rate-limits.js";
import { appCredentialRoutes } from "./routes/app-credentials.js";
import { appIntegrationRoutes } from "./routes/app-integrations.js";
import { appRoutes } from "./routes/apps.js";
import { authenticatorRoutes } from "./routes/authenticators.js";
import { factorRoutes } from "./routes/factors.js";
import { groupRoutes } from "./routes/groups.js";
import { iamRoutes } from "./routes/iam.js";
import { lifecycleRoutes } from "./routes/lifecycle.js";
import { logRoutes } from "./routes/logs.js";
import { orgRoutes } from "./routes/org.js";
import { policyRoutes } from "./routes/policies.js";
import { roleRoutes } from "./routes/roles.js";
import { userRoutes } from "./routes/users.js";
import { buildOrg } from "./seed.js";
import type { ServerState } from "./state.js";

export interface FakeOktaOptions {
  /** The org to start with. Default: the generator with seed 42 and 200 users. */
  fixture?: Fixture;
  /** A preset name or a full config. Default: `okta`. */
  limits?: LimitPreset | RateLimitConfig;
  faults?: FaultSchedule;
  /** The SSWS API token clients must send. Default: a random one. */
  token?: string;
  clock?: Clock;
  journalCapacity?: number;
  /** Fastify's logger; off by default so a load test measures the fake, not its logging. */
  logger?: boolean;
  /** Host names requests may name in `Host`/`Origin` besides loopback (for containers). */
  allowedHosts?: string[];
  /** Address to listen on. Default 127.0.0.1; `0.0.0.0` inside a container. */
  host?: string;
  /**
   * Largest request body accepted before the edge's 413. The reference is silent on Okta's limit,
   * so it is a setting; default 1 MiB.
   */
  bodyLimitBytes?: number;
  /** Slow and idle connections (default `DEFAULT_CONNECTION_LIMITS`). */
  connectionLimits?: Partial<ConnectionLimits>;
  /**
   * How a body over `bodyLimitBytes` is refused; the reference is silent, so both answers a client
   * can meet are settings: `edge-413` (default), an edge's HTML 413 page before the API sees it, or
   * `api-400`, the API's own 400 E0000003 (the body was not well-formed).
   */
  oversizeBody?: "edge-413" | "api-400";
  /**
   * Which value of a query parameter given twice counts: `first` (default, as a Java servlet's
   * getParameter) or `last` (as many Node and Rails parsers). The reference is silent on Okta's.
   */
  repeatedQueryParameter?: "first" | "last";
  /** How far back the System Log's `since` may reach (days), or null for no bound (the default): see ServerState. */
  logSinceLimitDays?: number | null;
  /**
   * The partition in the ORNs of role targets: `okta` for a production org (the spec's example),
   * `oktapreview` for a preview org (what Okta's own SDK tests, run against one, expect).
   */
  ornPartition?: "okta" | "oktapreview" | "okta-emea";
}

export interface FakeOkta {
  /** `http://127.0.0.1:PORT` once listening. */
  readonly url: string;
  readonly token: string;
  readonly adminUrl: string;
  readonly state: ServerState;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** A query string's parameters, each by one value (its first or its last): arrays never reach a route. */
function queryParser(which: "first" | "last"): (query: string) => Record<string, string> {
  return (query) => {
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(query))
      if (which === "last" || !Object.hasOwn(params, key)) params[key] = value;
    return params;
  };
}

/** Builds the fake Okta's Fastify app without listening (for `inject` in tests). */
export function createFakeOktaApp(options: FakeOktaOptions = {}): {
  app: FastifyInstance;
  state: ServerState;
} {
  const clock = options.clock ?? systemClock;
  const limits = options.limits ?? "okta";
  const config = typeof limits === "string" ? LIMIT_PRESETS[limits] : limits;
  const org = buildOrg(options.fixture ?? { seed: 42, generate: { users: 200, logs: 500 } }, clock);
  const state: ServerState = {
    org,
    limiter: new RateLimiter(config, clock),
    faults: new FaultInjector(clock),
    journal: new Journal(options.journalCapacity),
    clock,
    token: options.token ?? randomBytes(21).toString("base64url"),
    logSinceLimitDays: options.logSinceLimitDays ?? null,
    ornPartition: options.ornPartition ?? "okta",
  };
  if (options.faults) state.faults.install(options.faults);

  const app = Fastify({
    logger: options.logger ?? false,
    // One URL at the edge: routing, auth, limits and the journal all see the same normal path.
    rewriteUrl: (request) => normalizeUrl(request.url ?? "/"),
    // Okta tolerates `//api/v1/...`, which the Okta SDK sends when orgUrl ends with a slash.
    routerOptions: {
      ignoreDuplicateSlashes: true,
      ignoreTrailingSlash: true,
      querystringParser: queryParser(options.repeatedQueryParameter ?? "first"),
    },
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,

    // A harness must stop promptly even with keep-alive sockets or slow requests still open.
    forceCloseConnections: true,
    ...boundedServer(options.connectionLimits),
  });
  // Bodyless POSTs (lifecycle calls) may still say application/json; an empty body is no body.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    if (body === "") return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new OktaError("E0000003"), undefined);
    }
  });
  // Certificates (publishing a CSR's) and multipart uploads (an app's logo) arrive as raw bytes.
  app.addContentTypeParser(
    ["application/x-x509-ca-cert", "application/pkix-cert", "application/x-pem-file", "multipart/form-data"],
    { parseAs: "buffer" },
    (_request, body, done) => done(null, body),
  );
  installHostGuard(app, allowedHostsOf(options.allowedHosts), (message) => ({
    errorCode: "E0000006",
    errorSummary: "You do not have permission to perform the requested action",
    errorLink: "E0000006",
    errorId: "oae-host-not-allowed",
    errorCauses: [{ errorSummary: message }],
  }));
  installLayers(app, state, org.seed, options.oversizeBody ?? "edge-413");
  userRoutes(app, state);
  lifecycleRoutes(app, state);
  roleRoutes(app, state);
  groupRoutes(app, state);
  factorRoutes(app, state);
  appRoutes(app, state);
  appCredentialRoutes(app, state);
  appIntegrationRoutes(app, state);
  policyRoutes(app, state);
  authenticatorRoutes(app, state);
  orgRoutes(app, state);
  iamRoutes(app, state);
  logRoutes(app, state);
  adminRoutes(app, state);
  return { app, state };
}

/** Starts the fake Okta on 127.0.0.1 (port 0 picks a free one). */
export async function startFakeOkta(options: FakeOktaOptions & { port?: number } = {}): Promise<FakeOkta> {
  const { app, state } = createFakeOktaApp(options);
  const host = options.host ?? "127.0.0.1";
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fake Okta: no TCP address");
  const url = `http://${urlHost(host)}:${address.port}`;
  return { url, token: state.token, adminUrl: `${url}/__admin`, state, app, close: () => app.close() };
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * RFC 3986 §6.2.2 normalisation of the path: a percent-encoded unreserved character is that
 * character (`/%61pi/v1/l%6fgs` is `/api/v1/logs`), and other escapes are upper-cased. The router
 * decodes paths anyway; without this the layers (auth, buckets, journal), which read the raw URL,
 * would judge a different path than the one served.
 */
export function normalizeUrl(url: string): string {
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  const normal = path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : encoded.toUpperCase();
  });
  return query < 0 ? normal : normal + url.slice(query);
}
