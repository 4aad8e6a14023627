import type { FastifyInstance } from "fastify";
import { iso } from "../../shared/clock.js";
import { OktaError, validationFailed } from "../errors.js";
import { compileFilter, USER_FILTER, USER_SEARCH } from "../filter.js";
import { booleanParam, objectBody, originOf, queryOf, sendPage } from "../http.js";
import type { UserRecord } from "../model.js";
import { userEvent } from "../org.js";
import { decodeCursor, pageOf, parseLimit } from "../pagination.js";
import { validateProfile } from "../profile.js";
import { DEFAULT_USER_TYPE_ID, groupJson, userJson, userJsonBytes } from "../serialize.js";
import type { ServerState } from "../state.js";

const USERS_LIMIT = { default: 200, max: 200 };
const Q_LIMIT = { default: 10, max: 200 };
const DATE_FIELDS = new Set([
  "created",
  "activated",
  "statusChanged",
  "lastUpdated",
  "lastLogin",
  "passwordChanged",
]);

/** Reads a filter/search attribute of a user as Okta would see it in JSON. */
function userField(user: UserRecord, field: string): unknown {
  if (field.startsWith("profile.")) return user.profile[field.slice(8)];
  if (DATE_FIELDS.has(field)) {
    const value = user[field as "created"];
    return value === null ? null : iso(value);
  }
  if (field === "id") return user.id;
  if (field === "status") return user.status;
  if (field === "type.id") return DEFAULT_USER_TYPE_ID;
  return undefined;
}

export function userRoutes(app: FastifyInstance, state: ServerState): void {
  app.get("/api/v1/users", async (request, reply) => {
    const query = queryOf(request);
    const { org } = state;
    if (query.q !== undefined) {
      // `q`: starts-with on first name, last name or email; no paging; DEPROVISIONED omitted.
      const limit = parseLimit(query.limit, Q_LIMIT);
      const q = query.q.toLowerCase();
      const starts = (v: unknown) => typeof v === "string" && v.toLowerCase().startsWith(q);
      const items = org.users
        .filter((u) => u.status !== "DEPROVISIONED")
        .filter((u) => starts(u.profile.firstName) || starts(u.profile.lastName) || starts(u.profile.email))
        .slice(0, limit);
      return sendPage(
        request,
        reply,
        { items, next: null },
        { ...query, limit: String(limit) },
        userJsonBytes,
      );
    }
    if (query.filter !== undefined && query.search !== undefined) {
      throw new OktaError("E0000031", undefined, ["Use either filter or search, not both"]);
    }
    const limit = parseLimit(query.limit, USERS_LIMIT);
    const after = decodeCursor(query.after);
    const applied = { ...query, limit: String(limit) };
    if (query.search !== undefined) {
      const accept = compileFilter(query.search, USER_SEARCH, userField);
      const sortBy = query.sortBy;
      if (sortBy === undefined)
        return sendPage(
          request,
          reply,
          pageOf(org.users, (u) => u.seq, after, limit, accept),
          applied,
          userJsonBytes,
        );
      // A sorted search pages by rank in the sorted result; ties are ordered by id, as Okta does.
      const direction = query.sortOrder?.toLowerCase() === "desc" ? -1 : 1;
      const key = (u: UserRecord) => String(userField(u, sortBy) ?? "");
      const sorted = org.users
        .filter(accept)
        .sort((a, b) => direction * (key(a).localeCompare(key(b)) || a.id.localeCompare(b.id)));
      const ranked = sorted.map((user, index) => ({ user, rank: index + 1 }));
      const page = pageOf(ranked, (r) => r.rank, after, limit);
      return sendPage(
        request,
        reply,
        { items: page.items.map((r) => r.user), next: page.next },
        applied,
        userJsonBytes,
      );
    }
    // A plain list omits DEPROVISIONED users; `filter` includes them.
    const accept =
      query.filter !== undefined
        ? compileFilter(query.filter, USER_FILTER, userField)
        : (u: UserRecord) => u.status !== "DEPROVISIONED";
    return sendPage(
      request,
      reply,
      pageOf(org.users, (u) => u.seq, after, limit, accept),
      applied,
      userJsonBytes,
    );
  });

  app.post("/api/v1/users", async (request) => {
    const query = queryOf(request);
    const { org } = state;
    const body = objectBody(request, ["profile", "credentials", "groupIds", "type"], "newUser");
    const typeProblems = newUserTypeProblems(body);
    if (typeProblems.length > 0) throw validationFailed("newUser", typeProblems);
    const profile = validateProfile(body.profile, org.profileAttributes, "newUser");
    const groupIds = (body.groupIds as string[] | undefined) ?? [];
    for (const groupId of groupIds) org.getGroup(groupId);
    const credentials = body.credentials as { password?: { value?: unknown } } | undefined;
    const hasPassword = typeof credentials?.password?.value === "string";
    const activate = booleanParam(query.activate, true);
    // Okta's creation table: activate=false → STAGED; with a password → ACTIVE; without → PROVISIONED.
    const status = !activate
      ? "STAGED"
      : query.nextLogin === "changePassword"
        ? "PASSWORD_EXPIRED"
        : hasPassword
          ? "ACTIVE"
          : "PROVISIONED";
    const user = org.addUser({ profile, status, hasPassword });
    for (const groupId of groupIds) org.addMember(groupId, user.id);
    org.log({
      ...userEvent("user.lifecycle.create", "Create Okta user", user),
      legacyEventType: "core.user.config.user_creation.success",
    });
    return userJson(user, originOf(request));
  });

  app.get<{ Params: { id: string } }>("/api/v1/users/:id", async (request, reply) => {
    const user = state.org.getUser(request.params.id);
    return reply.type("application/json; charset=utf-8").send(userJsonBytes(user, originOf(request)));
  });

  // POST merges the given profile attributes; PUT replaces the whole profile.
  for (const method of ["POST", "PUT"] as const) {
    app.route<{ Params: { id: string } }>({
      method,
      url: "/api/v1/users/:id",
      handler: async (request) => {
        const { org } = state;
        const user = org.getUser(request.params.id);
        // Every field Okta's UpdateUserRequest allows (spec: credentials, profile, realmId, type).
        const body = objectBody(request, ["profile", "credentials", "realmId", "type"], "updateUser");
        if (
          body.profile === undefined &&
          body.credentials === undefined &&
          body.type === undefined &&
          body.realmId === undefined
        )
          throw validationFailed("updateUser", ["profile: is required"]);
        const problems = newUserTypeProblems(body);
        if (body.realmId !== undefined && typeof body.realmId !== "string")
          problems.push("realmId: must be a string");
        if (problems.length > 0) throw validationFailed("updateUser", problems);
        if (body.profile !== undefined) {
          const merged = method === "POST" ? { ...user.profile, ...(body.profile as object) } : body.profile;
          org.updateProfile(user, validateProfile(merged, org.profileAttributes, "updateUser"));
        }
        return userJson(user, originOf(request));
      },
    });
  }

  app.delete<{ Params: { id: string } }>("/api/v1/users/:id", async (request, reply) => {
    state.org.deleteUser(state.org.getUser(request.params.id));
    return reply.code(204).send();
  });

  app.delete<{ Params: { id: string } }>("/api/v1/users/:id/sessions", async (request, reply) => {
    state.org.clearSessions(state.org.getUser(request.params.id));
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>("/api/v1/users/:id/groups", async (request, reply) => {
    const { org } = state;
    const user = org.getUser(request.params.id);
    return sendPage(
      request,
      reply,
      { items: org.groupsOf(user.id), next: null },
      { limit: "10000" },
      groupJson,
    );
  });
}

/** The shapes Okta's CreateUserRequest schema gives `groupIds`, `type` and `credentials`. */
function newUserTypeProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (
    body.groupIds !== undefined &&
    !(Array.isArray(body.groupIds) && body.groupIds.every((g) => typeof g === "string"))
  )
    problems.push("groupIds: must be an array of group ids");
  if (body.type !== undefined && !(isObject(body.type) && typeof body.type.id === "string"))
    problems.push("type: must be an object with a string id");
  if (body.credentials !== undefined) {
    if (!isObject(body.credentials)) problems.push("credentials: must be an object");
    else {
      const password = body.credentials.password;
      if (
        password !== undefined &&
        !(isObject(password) && (password.value === undefined || typeof password.value === "string"))
      )
        problems.push("credentials.password.value: must be a string");
    }
  }
  return problems;
}
