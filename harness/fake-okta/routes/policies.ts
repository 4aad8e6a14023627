import type { FastifyInstance, FastifyRequest } from "fastify";
import { iso } from "../../shared/clock.js";
import { validationFailed } from "../errors.js";
import { objectBody, originOf, queryOf, textField } from "../http.js";
import { POLICY_TYPES, type PolicyRecord } from "../policies.js";
import type { ServerState } from "../state.js";

/** `/api/v1/policies`: create, get, activate and deactivate, delete (see policies.ts). */
export function policyRoutes(app: FastifyInstance, state: ServerState): void {
  const policies = () => state.org.policies;

  const policyJson = (policy: PolicyRecord, request: FastifyRequest) => {
    const self = `${originOf(request)}/api/v1/policies/${policy.id}`;
    return {
      id: policy.id,
      type: policy.type,
      name: policy.name,
      ...(policy.description === undefined ? {} : { description: policy.description }),
      status: policy.status,
      priority: policy.priority,
      system: policy.system,
      ...(policy.settings ? { settings: policy.settings } : {}),
      ...(policy.conditions ? { conditions: policy.conditions } : {}),
      created: iso(policy.created),
      lastUpdated: iso(policy.lastUpdated),
      _links: {
        self: { href: self },
        [policy.status === "ACTIVE" ? "deactivate" : "activate"]: {
          href: `${self}/lifecycle/${policy.status === "ACTIVE" ? "deactivate" : "activate"}`,
        },
      },
    };
  };

  /** A policy body (create or replace), or Okta's E0000001 naming the field. */
  const policyBody = (request: FastifyRequest) => {
    const body = objectBody(
      request,
      [
        "id",
        "type",
        "name",
        "description",
        "status",
        "priority",
        "conditions",
        "settings",
        "system",
        "created",
        "lastUpdated",
        "_links",
      ],
      "policy",
    );
    const type = body.type as PolicyRecord["type"];
    if (!POLICY_TYPES.includes(type))
      throw validationFailed("type", [
        `type: '${String(body.type)}' is not one of ${POLICY_TYPES.join(", ")}`,
      ]);
    const name = textField(body.name, "name", 255);
    if (body.description !== undefined && body.description !== null && typeof body.description !== "string")
      throw validationFailed("description", ["description: a string is required"]);
    if (body.status !== undefined && body.status !== "ACTIVE" && body.status !== "INACTIVE")
      throw validationFailed("status", [`status: '${String(body.status)}' is not ACTIVE or INACTIVE`]);
    for (const field of ["settings", "conditions"] as const)
      if (
        body[field] !== undefined &&
        body[field] !== null &&
        (typeof body[field] !== "object" || Array.isArray(body[field]))
      )
        throw validationFailed(field, [`${field}: an object is required`]);
    return {
      type,
      name,
      description: (body.description as string | null | undefined) ?? undefined,
      status: body.status as PolicyRecord["status"] | undefined,
      settings: (body.settings as Record<string, unknown> | null | undefined) ?? undefined,
      conditions: (body.conditions as Record<string, unknown> | null | undefined) ?? undefined,
    };
  };

  // The spec's `type` is required: policies are listed one type at a time.
  app.get("/api/v1/policies", async (request) => {
    const type = queryOf(request).type as PolicyRecord["type"] | undefined;
    if (!type || !POLICY_TYPES.includes(type))
      throw validationFailed("type", [`type: '${type ?? ""}' is not one of ${POLICY_TYPES.join(", ")}`]);
    return policies()
      .policies.filter((p) => p.type === type)
      .map((p) => policyJson(p, request));
  });

  app.post("/api/v1/policies", async (request) => {
    const { status, ...input } = policyBody(request);
    return policyJson(policies().add({ ...input, status: status ?? "ACTIVE" }), request);
  });

  app.put<{ Params: { id: string } }>("/api/v1/policies/:id", async (request) => {
    const policy = policies().get(request.params.id);
    policies().replace(policy, policyBody(request));
    return policyJson(policy, request);
  });

  app.get<{ Params: { id: string } }>("/api/v1/policies/:id", async (request) =>
    policyJson(policies().get(request.params.id), request),
  );

  for (const operation of ["activate", "deactivate"] as const)
    app.post<{ Params: { id: string } }>(`/api/v1/policies/:id/lifecycle/${operation}`, async (request) => {
      policies().setStatus(
        policies().get(request.params.id),
        operation === "activate" ? "ACTIVE" : "INACTIVE",
      );
      return {};
    });

  app.delete<{ Params: { id: string } }>("/api/v1/policies/:id", async (request, reply) => {
    policies().remove(policies().get(request.params.id));
    return reply.code(204).send();
  });
}
