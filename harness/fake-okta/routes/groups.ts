import type { FastifyInstance } from "fastify";
import { iso } from "../../shared/clock.js";
import { OktaError, validationFailed } from "../errors.js";
import { compileFilter, GROUP_FILTER, GROUP_SEARCH } from "../filter.js";
import { objectBody, originOf, queryOf, sendPage } from "../http.js";
import type { GroupRecord } from "../model.js";
import { decodeCursor, pageOf, parseLimit } from "../pagination.js";
import { groupJson, userJsonBytes } from "../serialize.js";
import type { ServerState } from "../state.js";

const GROUPS_LIMIT = { default: 10_000, max: 10_000 };
const GROUPS_Q_LIMIT = { default: 300, max: 10_000 };
const MEMBERS_LIMIT = { default: 1000, max: 1000 };

function groupField(group: GroupRecord, field: string): unknown {
  switch (field) {
    case "id":
      return group.id;
    case "type":
      return group.type;
    case "created":
    case "lastUpdated":
    case "lastMembershipUpdated":
      return iso(group[field]);
    case "profile.name":
      return group.profile.name;
    case "profile.description":
      return group.profile.description;
    default:
      return undefined;
  }
}

export function groupRoutes(app: FastifyInstance, state: ServerState): void {
  app.get("/api/v1/groups", async (request, reply) => {
    const query = queryOf(request);
    const { org } = state;
    if (query.q !== undefined) {
      // `q` matches the name's start and cannot be paged.
      const limit = parseLimit(query.limit, GROUPS_Q_LIMIT);
      const q = query.q.toLowerCase();
      const items = org.groups.filter((g) => g.profile.name.toLowerCase().startsWith(q)).slice(0, limit);
      return sendPage(request, reply, { items, next: null }, { ...query, limit: String(limit) }, groupJson);
    }
    if (query.filter !== undefined && query.search !== undefined) {
      throw new OktaError("E0000031", undefined, ["Use either filter or search, not both"]);
    }
    const limit = parseLimit(query.limit, GROUPS_LIMIT);
    const accept =
      query.search !== undefined
        ? compileFilter(query.search, GROUP_SEARCH, groupField)
        : query.filter !== undefined
          ? compileFilter(query.filter, GROUP_FILTER, groupField)
          : undefined;
    const page = pageOf(org.groups, (g) => g.seq, decodeCursor(query.after), limit, accept);
    return sendPage(request, reply, page, { ...query, limit: String(limit) }, groupJson);
  });

  app.post("/api/v1/groups", async (request) => {
    const body = objectBody(request, ["profile"], "createGroup");
    const profile = body.profile as { name?: unknown; description?: unknown } | undefined;
    if (typeof profile?.name !== "string" || profile.name.trim() === "") {
      throw validationFailed("name", ["name: The field cannot be left blank"]);
    }
    const description = typeof profile.description === "string" ? profile.description : null;
    return groupJson(state.org.addGroup({ name: profile.name, description }), originOf(request));
  });

  app.get<{ Params: { id: string } }>("/api/v1/groups/:id", async (request) => {
    return groupJson(state.org.getGroup(request.params.id), originOf(request));
  });

  // PUT replaces the profile (name required, description optional); only OKTA_GROUPs are the API's to change.
  app.put<{ Params: { id: string } }>("/api/v1/groups/:id", async (request) => {
    const group = state.org.getGroup(request.params.id);
    const body = objectBody(request, ["profile"], "updateGroup");
    const profile = body.profile as { name?: unknown; description?: unknown } | undefined;
    if (typeof profile?.name !== "string" || profile.name.trim() === "")
      throw validationFailed("name", ["name: The field cannot be left blank"]);
    if (
      profile.description !== undefined &&
      profile.description !== null &&
      typeof profile.description !== "string"
    )
      throw validationFailed("updateGroup", ["description: must be a string"]);
    refuseUnlessOktaGroup(group, "update");
    state.org.replaceGroupProfile(group, {
      name: profile.name,
      description: (profile.description as string | undefined) ?? null,
    });
    return groupJson(group, originOf(request));
  });

  app.delete<{ Params: { id: string } }>("/api/v1/groups/:id", async (request, reply) => {
    const group = state.org.getGroup(request.params.id);
    refuseUnlessOktaGroup(group, "delete");
    state.org.deleteGroup(group);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>("/api/v1/groups/:id/users", async (request, reply) => {
    const query = queryOf(request);
    const group = state.org.getGroup(request.params.id);
    const limit = parseLimit(query.limit, MEMBERS_LIMIT);
    const page = pageOf(state.org.members(group.id), (u) => u.seq, decodeCursor(query.after), limit);
    return sendPage(request, reply, page, { ...query, limit: String(limit) }, userJsonBytes);
  });

  // Only OKTA_GROUP memberships can be changed through the API; both calls answer 204 with no body.
  for (const method of ["PUT", "DELETE"] as const) {
    app.route<{ Params: { groupId: string; userId: string } }>({
      method,
      url: "/api/v1/groups/:groupId/users/:userId",
      handler: async (request, reply) => {
        const { org } = state;
        const group = org.getGroup(request.params.groupId);
        const user = org.getUser(request.params.userId);
        if (group.type !== "OKTA_GROUP") {
          throw validationFailed("group", [
            `Cannot modify the membership of ${group.type} group '${group.profile.name}'`,
          ]);
        }
        if (method === "PUT") org.addMember(group.id, user.id);
        else org.removeMember(group.id, user.id);
        return reply.code(204).send();
      },
    });
  }
}

/**
 * `APP_GROUP`s belong to their application and `BUILT_IN` Everyone to Okta: the API may not change
 * them. The reference does not record Okta's exact error (okta-api.md: "[unconfirmed]"); this is
 * Okta's permission error, naming the group.
 */
function refuseUnlessOktaGroup(group: GroupRecord, action: string): void {
  if (group.type !== "OKTA_GROUP")
    throw new OktaError("E0000006", undefined, [
      `Cannot ${action} ${group.type} group '${group.profile.name}'`,
    ]);
}
