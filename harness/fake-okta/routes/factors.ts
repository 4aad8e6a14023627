import type { FastifyInstance } from "fastify";
import { iso } from "../../shared/clock.js";
import { parseEnrollment } from "../enrollment.js";
import { notFound } from "../errors.js";
import { objectBody, originOf } from "../http.js";
import type { FactorRecord } from "../model.js";
import { FACTOR_TYPES, FACTORS } from "../model.js";
import type { ServerState } from "../state.js";

/**
 * A user's enrolled factors: list, reset one (`DELETE`, 204), and reset all
 * (`POST …/lifecycle/reset_factors`, in the lifecycle routes), a standard offboarding and
 * lost-device step. The shape follows Okta's `UserFactor` (spec: id, factorType, provider,
 * vendorName, status, created, lastUpdated, profile, _links).
 */
export function factorJson(factor: FactorRecord, origin: string) {
  const provider = factor.provider ?? FACTORS[factor.factorType].provider;
  const vendorName = factor.provider ?? FACTORS[factor.factorType].vendorName;
  const self = `${origin}/api/v1/users/${factor.userId}/factors/${factor.id}`;
  return {
    id: factor.id,
    factorType: factor.factorType,
    provider,
    vendorName,
    status: factor.status,
    created: iso(factor.created),
    lastUpdated: iso(factor.lastUpdated),
    profile: factor.profile,
    _links: {
      self: { href: self, hints: { allow: ["GET", "DELETE"] } },
      user: { href: `${origin}/api/v1/users/${factor.userId}`, hints: { allow: ["GET"] } },
    },
  };
}

export function factorRoutes(app: FastifyInstance, state: ServerState): void {
  // Active factors first, then those pending activation, each in enrollment order: what Okta's own
  // SDK test expects of a user who enrolled a call factor, then a security question.
  app.get<{ Params: { id: string } }>("/api/v1/users/:id/factors", async (request) => {
    const user = state.org.getUser(request.params.id);
    const origin = originOf(request);
    const factors = state.org.factors(user.id);
    return [
      ...factors.filter((f) => f.status === "ACTIVE"),
      ...factors.filter((f) => f.status !== "ACTIVE"),
    ].map((f) => factorJson(f, origin));
  });

  // Enroll (Okta's `enrollFactor`); see enrollment.ts for what the org allows.
  app.post<{ Params: { id: string } }>("/api/v1/users/:id/factors", async (request) => {
    const user = state.org.getUser(request.params.id);
    const body = objectBody(request, ["factorType", "provider", "profile", "verify"], "factor");
    const enrollment = parseEnrollment(body, (key) => state.org.enrollmentAllowed(key));
    return factorJson(state.org.enrollNewFactor(user, enrollment), originOf(request));
  });

  // The factors a user may still enroll (Okta's `listSupportedFactors`, the spec's example shape):
  // every type the fake knows that the user has not enrolled. Registered before `:factorId`.
  app.get<{ Params: { id: string } }>("/api/v1/users/:id/factors/catalog", async (request) => {
    const user = state.org.getUser(request.params.id);
    const origin = originOf(request);
    const enrolled = new Set(state.org.factors(user.id).map((f) => f.factorType));
    return FACTOR_TYPES.filter((type) => !enrolled.has(type)).map((factorType) => ({
      factorType,
      provider: FACTORS[factorType].provider,
      vendorName: FACTORS[factorType].vendorName,
      _links: {
        enroll: { href: `${origin}/api/v1/users/${user.id}/factors`, hints: { allow: ["POST"] } },
      },
    }));
  });

  app.get<{ Params: { id: string; factorId: string } }>(
    "/api/v1/users/:id/factors/:factorId",
    async (request) => {
      const user = state.org.getUser(request.params.id);
      const factor = state.org.factors(user.id).find((f) => f.id === request.params.factorId);
      if (!factor) throw notFound(request.params.factorId, "UserFactor");
      return factorJson(factor, originOf(request));
    },
  );

  app.delete<{ Params: { id: string; factorId: string } }>(
    "/api/v1/users/:id/factors/:factorId",
    async (request, reply) => {
      const user = state.org.getUser(request.params.id);
      state.org.resetFactor(user, request.params.factorId);
      return reply.code(204).send();
    },
  );
}
