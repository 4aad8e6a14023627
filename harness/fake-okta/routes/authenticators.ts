import type { FastifyInstance, FastifyRequest } from "fastify";
import { iso } from "../../shared/clock.js";
import type { AuthenticatorRecord } from "../authenticators.js";
import { originOf } from "../http.js";
import type { ServerState } from "../state.js";

/** `/api/v1/authenticators`: list, get, activate and deactivate (see authenticators.ts). */
export function authenticatorRoutes(app: FastifyInstance, state: ServerState): void {
  const authenticators = () => state.org.authenticators;
  const json = (authenticator: AuthenticatorRecord, request: FastifyRequest) => {
    const self = `${originOf(request)}/api/v1/authenticators/${authenticator.id}`;
    const next = authenticator.status === "ACTIVE" ? "deactivate" : "activate";
    return {
      id: authenticator.id,
      key: authenticator.key,
      type: authenticator.type,
      name: authenticator.name,
      status: authenticator.status,
      created: iso(authenticator.created),
      lastUpdated: iso(authenticator.lastUpdated),
      _links: { self: { href: self }, [next]: { href: `${self}/lifecycle/${next}` } },
    };
  };

  app.get("/api/v1/authenticators", async (request) =>
    authenticators().authenticators.map((a) => json(a, request)),
  );
  app.get<{ Params: { id: string } }>("/api/v1/authenticators/:id", async (request) =>
    json(authenticators().get(request.params.id), request),
  );
  for (const operation of ["activate", "deactivate"] as const)
    app.post<{ Params: { id: string } }>(
      `/api/v1/authenticators/:id/lifecycle/${operation}`,
      async (request) => {
        const authenticator = authenticators().get(request.params.id);
        authenticators().setStatus(authenticator, operation === "activate" ? "ACTIVE" : "INACTIVE");
        return json(authenticator, request);
      },
    );
}
