import { timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { OktaError } from "./errors.js";
import type { FaultPlan } from "./faults.js";
import { IdSource } from "./ids.js";
import { type RateDecision, rateLimitHeaders, resetEpochSeconds } from "./rate-limits.js";
import type { ServerState } from "./state.js";

/**
 * The cross-cutting layers every `/api/v1` request passes, in order: request id, auth, the org's
 * concurrency limit, the endpoint's rate-limit bucket, then the fault schedule. Each refusal is an
 * Okta error body; the journal records every request, refused or not.
 */
interface RequestTrace {
  requestId: string;
  startedAt: number;
  decision: RateDecision | null;
  holdsSlot: boolean;
  faults: string[];
  malformed: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    trace?: RequestTrace;
  }
}

const BAD_GATEWAY_BODY = (status: number) =>
  `<html><head><title>${status}</title></head><body><h1>${status} ${status === 502 ? "Bad Gateway" : status === 503 ? "Service Unavailable" : "Gateway Timeout"}</h1></body></html>`;

export function installLayers(
  app: FastifyInstance,
  state: ServerState,
  seed: number,
  oversizeBody: "edge-413" | "api-400",
): void {
  const runtimeIds = new IdSource(seed + 1);
  const expectedAuth = Buffer.from(`SSWS ${state.token}`);
  const pathOf = (request: FastifyRequest) => (request.url.split("?")[0] ?? "/").replace(/\/{2,}/g, "/");

  const errorBody = (error: OktaError) => error.body(runtimeIds.okta("oae"));

  const rounding = () => state.limiter.config.resetRounding;
  const refuse = (reply: FastifyReply, error: OktaError, decision: RateDecision | null) => {
    if (decision) reply.headers(rateLimitHeaders(decision, rounding()));
    return reply.code(error.status).type("application/json").send(errorBody(error));
  };

  app.addHook("onRequest", async (request, reply) => {
    const path = pathOf(request);
    if (!isOktaApi(path)) return;
    const trace: RequestTrace = {
      requestId: `req${runtimeIds.token(17)}`,
      startedAt: state.clock.now(),
      decision: null,
      holdsSlot: false,
      faults: [],
      malformed: false,
    };
    request.trace = trace;
    reply.header("x-okta-request-id", trace.requestId);
    // Okta's clients compute waits from X-Rate-Limit-Reset − Date: both must come from one clock.
    reply.header("date", new Date(trace.startedAt).toUTCString());

    const auth = Buffer.from(request.headers.authorization ?? "");
    if (auth.length !== expectedAuth.length || !timingSafeEqual(auth, expectedAuth)) {
      trace.decision = state.limiter.peek(request.method, path);
      return refuse(reply, new OktaError("E0000011"), trace.decision);
    }
    if (!state.limiter.enter()) {
      // Okta's concurrency 429: Limit and Remaining both 0, Reset only an estimate.
      const resetAt = state.clock.now() + 1000;
      trace.decision = { bucket: "concurrency", allowed: false, limit: 0, remaining: 0, resetAt };
      return refuse(reply, new OktaError("E0000047"), trace.decision);
    }
    trace.holdsSlot = true;
    const decision = state.limiter.take(request.method, path);
    trace.decision = decision;
    reply.headers(rateLimitHeaders(decision, rounding()));
    if (!decision.allowed) return refuse(reply, new OktaError("E0000047"), decision);

    const plan = state.faults.plan(request.method, path);
    if (plan) return applyFault(request, reply, plan, trace);
  });

  const applyFault = async (
    request: FastifyRequest,
    reply: FastifyReply,
    plan: FaultPlan,
    trace: RequestTrace,
  ) => {
    trace.faults = plan.fired;
    if (plan.latencyMs > 0) await sleep(plan.latencyMs);
    const action = plan.action;
    if (!action) return;
    if (action.type === "malformed") {
      trace.malformed = true;
      return;
    }
    if (action.type === "reset") {
      reply.hijack();
      request.raw.socket.destroy();
      finish(request, 0);
      return reply;
    }
    if (action.status === 429) {
      // The headers and the journal report the same state: the injected refusal's.
      const resetAt = state.clock.now() + action.resetMs;
      trace.decision = { ...(trace.decision as RateDecision), allowed: false, remaining: 0, resetAt };
      return refuse(reply, new OktaError("E0000047"), trace.decision);
    }
    if (action.status === 500) return refuse(reply, new OktaError("E0000009"), null);
    return reply.code(action.status).type("text/html").send(BAD_GATEWAY_BODY(action.status));
  };

  // A malformed-body fault cuts the JSON in half after the route has produced it.
  app.addHook("onSend", async (request, _reply, payload) => {
    if (!request.trace?.malformed || (typeof payload !== "string" && !Buffer.isBuffer(payload)))
      return payload;
    const bytes = Buffer.from(payload);
    return bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2)));
  });

  const finish = (request: FastifyRequest, status: number) => {
    const trace = request.trace;
    if (!trace) return;
    request.trace = undefined;
    if (trace.holdsSlot) state.limiter.leave();
    const retryCount = request.headers["x-okta-retry-count"];
    const decision = trace.decision;
    state.journal.record({
      requestId: trace.requestId,
      method: request.method,
      path: pathOf(request),
      query: { ...(request.query as Record<string, string>) },
      status,
      startedAt: trace.startedAt,
      durationMs: state.clock.now() - trace.startedAt,
      bucket: decision?.bucket ?? "none",
      rateLimit: decision
        ? {
            limit: decision.limit,
            remaining: decision.remaining,
            reset: resetEpochSeconds(decision.resetAt, rounding()),
          }
        : null,
      retryFor: (request.headers["x-okta-retry-for"] as string | undefined) ?? null,
      retryCount: retryCount === undefined ? null : Number(retryCount),
      faults: trace.faults,
    });
  };

  app.addHook("onResponse", async (request, reply) => finish(request, reply.statusCode));
  // A client that hangs up early still frees its concurrency slot.
  app.addHook("onRequestAbort", async (request) => finish(request, 0));

  app.setErrorHandler((error, request, reply) => {
    const decision = request.trace?.decision ?? null;
    if (error instanceof OktaError) return refuse(reply, error, decision);
    const code = (error as { code?: string }).code;
    // Over the body limit (`bodyLimitBytes`): the reference is silent on Okta's answer, so it is a
    // setting: an edge's 413 page before the API sees the body, or the API's own 400.
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE" && oversizeBody === "api-400")
      return refuse(reply, new OktaError("E0000003"), decision);
    if (code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return reply
        .code(413)
        .type("text/html")
        .send(
          "<html><head><title>413</title></head><body><h1>413 Request Entity Too Large</h1></body></html>",
        );
    if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return refuse(reply, new OktaError("E0000003"), decision);
    if ((error as { statusCode?: number }).statusCode === 400)
      return refuse(reply, new OktaError("E0000003"), decision);
    request.log.error(error);
    return refuse(reply, new OktaError("E0000009"), decision);
  });

  // A path Okta serves, asked with a method it does not: 405 E0000022, not 404.
  const routes: { pattern: RegExp; methods: Set<string> }[] = [];
  app.addHook("onRoute", (route) => {
    if (!isOktaApi(route.url)) return;
    const pattern = new RegExp(`^${route.url.replace(/:[A-Za-z]+/g, "[^/]+")}/?$`);
    const methods = [route.method].flat().map(String);
    routes.push({ pattern, methods: new Set(methods) });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request);
    const served = routes.some((r) => r.pattern.test(path) && !r.methods.has(request.method));
    const known = routes.some((r) => r.pattern.test(path) && r.methods.has(request.method));
    const error = served && !known ? new OktaError("E0000022") : new OktaError("E0000008");
    return refuse(reply, error, request.trace?.decision ?? null);
  });
}

/** Okta's APIs: the management API and the OAuth 2.0 clients' role assignments. */
const isOktaApi = (path: string) => path.startsWith("/api/") || path.startsWith("/oauth2/");
