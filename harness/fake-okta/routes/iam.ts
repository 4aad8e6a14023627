import type { FastifyInstance, FastifyRequest } from "fastify";
import { iso } from "../../shared/clock.js";
import { objectBody, originOf } from "../http.js";
import type { CustomRoleRecord, ResourceSetRecord } from "../iam.js";
import type { ServerState } from "../state.js";

/**
 * `/api/v1/iam/roles` and `/api/v1/iam/resource-sets` (see iam.ts): create, list (Okta wraps
 * them, `{ roles }` and `{ "resource-sets" }`), get by id or label, delete (204).
 */
export function iamRoutes(app: FastifyInstance, state: ServerState): void {
  const iam = () => state.org.iam;
  const base = (request: FastifyRequest) => `${originOf(request)}/api/v1/iam`;
  const roleJson = (role: CustomRoleRecord, request: FastifyRequest) => ({
    id: role.id,
    label: role.label,
    description: role.description,
    created: iso(role.created),
    lastUpdated: iso(role.lastUpdated),
    _links: {
      self: { href: `${base(request)}/roles/${role.id}` },
      permissions: { href: `${base(request)}/roles/${role.id}/permissions` },
    },
  });
  const setJson = (set: ResourceSetRecord, request: FastifyRequest) => ({
    id: set.id,
    label: set.label,
    description: set.description,
    created: iso(set.created),
    lastUpdated: iso(set.lastUpdated),
    _links: {
      self: { href: `${base(request)}/resource-sets/${set.id}` },
      resources: { href: `${base(request)}/resource-sets/${set.id}/resources` },
    },
  });

  app.post("/api/v1/iam/roles", async (request) =>
    roleJson(iam().addRole(objectBody(request, ["label", "description", "permissions"], "role")), request),
  );
  app.get("/api/v1/iam/roles", async (request) => ({ roles: iam().roles.map((r) => roleJson(r, request)) }));
  app.get<{ Params: { id: string } }>("/api/v1/iam/roles/:id", async (request) =>
    roleJson(iam().role(request.params.id), request),
  );
  app.delete<{ Params: { id: string } }>("/api/v1/iam/roles/:id", async (request, reply) => {
    iam().removeRole(request.params.id);
    return reply.code(204).send();
  });

  app.post("/api/v1/iam/resource-sets", async (request) =>
    setJson(
      iam().addResourceSet(objectBody(request, ["label", "description", "resources"], "resourceSet")),
      request,
    ),
  );
  app.get("/api/v1/iam/resource-sets", async (request) => ({
    "resource-sets": iam().resourceSets.map((r) => setJson(r, request)),
  }));
  app.get<{ Params: { id: string } }>("/api/v1/iam/resource-sets/:id", async (request) =>
    setJson(iam().resourceSet(request.params.id), request),
  );
  app.delete<{ Params: { id: string } }>("/api/v1/iam/resource-sets/:id", async (request, reply) => {
    iam().removeResourceSet(request.params.id);
    return reply.code(204).send();
  });
}
