import type { FastifyInstance } from "fastify";
import { iso } from "../../shared/clock.js";
import { originOf } from "../http.js";
import type { ServerState } from "../state.js";

/** `GET /api/v1/org`: the org's settings (Okta's OrgSetting), its id the one in role targets' ORNs. */
export function orgRoutes(app: FastifyInstance, state: ServerState): void {
  app.get("/api/v1/org", async (request) => {
    const origin = originOf(request);
    const created = state.org.users.reduce((first, u) => Math.min(first, u.created), state.clock.now());
    return {
      id: state.org.orgId,
      companyName: "paceline fake Okta",
      subdomain: new URL(origin).hostname.split(".")[0],
      status: "ACTIVE",
      website: origin,
      created: iso(created),
      lastUpdated: iso(created),
      _links: { contacts: { href: `${origin}/api/v1/org/contacts` } },
    };
  });
}
