import type { FastifyInstance, FastifyRequest } from "fastify";
import { iso } from "../../shared/clock.js";
import { validationFailed } from "../errors.js";
import { objectBody, originOf } from "../http.js";
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
      system: false,
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

  app.post("/api/v1/policies", async (request) => {
    const body = objectBody(
      request,
      ["type", "name", "description", "status", "priority", "conditions", "settings", "system"],
      "policy",
    );
    const type = body.type as PolicyRecord["type"];
    if (!POLICY_TYPES.includes(type))
      throw validationFailed("type", [
        `type: '${String(body.type)}' is not one of ${POLICY_TYPES.join(", ")}`,
      ]);
    if (typeof body.name !== "string" || body.name.length === 0 || body.name.length > 255)
      throw validationFailed("name", ["name: a string of 1 to 255 characters is required"]);
    if (body.description !== undefined && typeof body.description !== "string")
      throw validationFailed("description", ["description: a string is required"]);
    if (body.status !== undefined && body.status !== "ACTIVE" && body.status !== "INACTIVE")
      throw validationFailed("status", [`status: '${String(body.status)}' is not ACTIVE or INACTIVE`]);
    const policy = policies().add({
      type,
      name: body.name,
      description: body.description,
      status: body.status ?? "ACTIVE",
    });
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
