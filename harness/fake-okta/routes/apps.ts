import type { FastifyInstance } from "fastify";
import { iso } from "../../shared/clock.js";
import { newSigningKey } from "../app-keys.js";
import type { AppRecord } from "../apps.js";
import { generatedName, initialCredentials, parseCustomApp } from "../custom-apps.js";
import { notFound, OktaError, validationFailed } from "../errors.js";
import { objectBody, originOf, queryOf, sendPage } from "../http.js";
import { decodeCursor, type Page, pageOf, parseLimit } from "../pagination.js";
import type { ServerState } from "../state.js";

/**
 * `/api/v1/apps`: the catalogue (list with `q` and `filter=status eq "…"`, get, activate and
 * deactivate), who an app is assigned to (users directly or through groups), and a user's
 * `appLinks`. Shapes follow Okta's Application, AppUser, ApplicationGroupAssignment and AppLink.
 */
function appJson(app: AppRecord, origin: string) {
  const self = `${origin}/api/v1/apps/${app.id}`;
  return {
    id: app.id,
    name: app.name,
    label: app.label,
    status: app.status,
    signOnMode: app.signOnMode,
    created: iso(app.created),
    lastUpdated: iso(app.lastUpdated),
    features: [],
    accessibility: { selfService: false },
    visibility: { autoLaunch: false, autoSubmitToolbar: false, hide: { iOS: false, web: false } },
    ...(app.credentials ? { credentials: app.credentials } : {}),
    ...(app.settings ? { settings: app.settings } : {}),
    _links: {
      users: { href: `${self}/users` },
      groups: { href: `${self}/groups` },
      deactivate: { href: `${self}/lifecycle/deactivate` },
    },
  };
}

/** The spec's `filter` fields for apps that the fake serves: `status`, `name` and `id`, with `eq`. */
const APP_FILTER = /^(status|name|id) eq "([^"]*)"$/;

/**
 * Page sizes from Okta's spec: `GET /apps` all by default (`limit` -1) and at most 200 a page;
 * an app's users 50 by default, at most 500 (`queryAppLimit`); its group assignments 20 by
 * default, at most 200 (`queryGroupAssignmentLimit`; its "min: 20" is an example, and Okta's SDK
 * tests page assignments 2 at a time against a real org).
 */
const APPS_LIMIT = { default: Number.POSITIVE_INFINITY, max: 200, min: 1 };
const APP_USERS_LIMIT = { default: 50, max: 500, min: 1 };
const APP_GROUPS_LIMIT = { default: 20, max: 200, min: 1 };

/** A page of a list kept in its own order: positions are the list's (a cursor names the last one served). */
function listPage<T>(
  items: readonly T[],
  query: Record<string, string | undefined>,
  size: typeof APPS_LIMIT,
): Page<T> {
  const asked =
    query.limit === undefined || query.limit === "" ? size.default : parseLimit(query.limit, size);
  const limit = Math.max(size.min, Math.min(asked, size.max, items.length || 1));
  const positioned = items.map((item, index) => ({ item, position: index + 1 }));
  const page = pageOf(positioned, (p) => p.position, decodeCursor(query.after), limit);
  return { items: page.items.map((p) => p.item), next: page.next };
}

export function appRoutes(app: FastifyInstance, state: ServerState): void {
  const apps = () => state.org.apps;

  app.get("/api/v1/apps", async (request, reply) => {
    const query = queryOf(request);
    let items = apps().apps;
    if (query.filter !== undefined) {
      const match = APP_FILTER.exec(query.filter.trim());
      if (!match || (match[1] === "status" && !/^(ACTIVE|INACTIVE)$/.test(match[2] ?? "")))
        throw new OktaError("E0000031", undefined, [`Invalid filter: ${query.filter}`]);
      const [, field, value] = match;
      items = items.filter(
        (a) => (field === "status" ? a.status : field === "name" ? a.name : a.id) === value,
      );
    }
    if (query.q !== undefined) {
      const q = query.q.toLowerCase();
      items = items.filter((a) => a.label.toLowerCase().startsWith(q) || a.name.toLowerCase().startsWith(q));
    }
    return sendPage(request, reply, listPage(items, query, APPS_LIMIT), query, appJson);
  });

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id", async (request) =>
    appJson(apps().get(request.params.id), originOf(request)),
  );

  /** Okta's E0000040: app labels are unique (but an app may keep its own). */
  const refuseTakenLabel = (label: string, except?: AppRecord) => {
    if (apps().apps.some((a) => a !== except && a.label.toLowerCase() === label.toLowerCase()))
      throw new OktaError("E0000040", undefined, [`label: '${label}' is taken`]);
  };

  /**
   * A custom app (see custom-apps.ts); active unless `activate=false`; labels are unique. Okta
   * names custom SWA and SAML apps itself, fills in OIDC client credentials, and gives every new
   * app a signing key (`credentials.signing.kid`).
   */
  app.post("/api/v1/apps", async (request) => {
    const custom = parseCustomApp(request.body ?? {});
    const activate = queryOf(request).activate;
    if (activate !== undefined && activate !== "true" && activate !== "false")
      throw validationFailed("activate", [`activate: '${activate}' is not true or false`]);
    refuseTakenLabel(custom.label);
    const now = state.clock.now();
    const name = custom.name ?? generatedName(custom.label, (n) => apps().apps.some((a) => a.name === n));
    const created = apps().add(
      { ...custom, name, status: activate === "false" ? "INACTIVE" : "ACTIVE" },
      now,
    );
    const key = await newSigningKey(apps().newId("kid"), 10, now);
    apps().resources(created).keys.push(key);
    created.credentials = {
      ...initialCredentials(custom, created.id, () => apps().secret(40)),
      signing: { kid: key.kid },
    };
    return appJson(created, originOf(request));
  });

  /**
   * Replaces a custom app's label, settings and credentials (Okta's `replaceApplication`), checked
   * as a create; what the body leaves out of the credentials (a client secret) is kept.
   */
  app.put<{ Params: { id: string } }>("/api/v1/apps/:id", async (request) => {
    const application = apps().get(request.params.id);
    const custom = parseCustomApp(request.body ?? {});
    if (
      custom.signOnMode !== application.signOnMode ||
      (custom.name ?? application.name) !== application.name
    )
      throw validationFailed("signOnMode", [
        `name and signOnMode cannot change: the app is ${application.name} (${application.signOnMode})`,
      ]);
    refuseTakenLabel(custom.label, application);
    Object.assign(application, {
      label: custom.label,
      settings: custom.settings,
      credentials: { ...application.credentials, ...custom.credentials },
      lastUpdated: state.clock.now(),
    });
    return appJson(application, originOf(request));
  });

  app.delete<{ Params: { id: string } }>("/api/v1/apps/:id", async (request, reply) => {
    apps().remove(apps().get(request.params.id));
    state.org.forgetAppInstance(request.params.id);
    return reply.code(204).send();
  });

  for (const operation of ["activate", "deactivate"] as const) {
    app.post<{ Params: { id: string } }>(`/api/v1/apps/:id/lifecycle/${operation}`, async (request) => {
      apps().setStatus(apps().get(request.params.id), operation === "activate" ? "ACTIVE" : "INACTIVE");
      return {};
    });
  }

  const appUserJson = (application: AppRecord, userId: string, scope: "USER" | "GROUP", origin: string) => {
    const user = state.org.getUser(userId);
    const direct = apps().directUser(application, userId);
    return {
      id: user.id,
      scope,
      status: "PROVISIONED",
      created: iso(direct?.created ?? application.created),
      credentials: { userName: user.profile.login },
      profile: {},
      _links: {
        user: { href: `${origin}/api/v1/users/${user.id}` },
        app: { href: `${origin}/api/v1/apps/${application.id}` },
      },
    };
  };
  const groupIdsOf = (userId: string) => state.org.groupsOf(userId).map((g) => g.id);

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/users", async (request, reply) => {
    const application = apps().get(request.params.id);
    const origin = originOf(request);
    const users = apps().usersOf(application, (groupId) => state.org.members(groupId).map((u) => u.id));
    const query = queryOf(request);
    // `q`: starts the user name, first or last name, or email (the spec's queryAppUserQ).
    const q = query.q?.toLowerCase();
    const matches = ([userId]: [string, unknown]) => {
      if (q === undefined) return true;
      const { login, firstName, lastName, email } = state.org.getUser(userId).profile;
      return [login, firstName, lastName, email].some((v) =>
        String(v ?? "")
          .toLowerCase()
          .startsWith(q),
      );
    };
    const page = listPage([...users].filter(matches), query, APP_USERS_LIMIT);
    const items = page.items.map(([userId, scope]) => appUserJson(application, userId, scope, origin));
    return sendPage(request, reply, { items, next: page.next }, query, (item) => item);
  });

  app.get<{ Params: { id: string; userId: string } }>("/api/v1/apps/:id/users/:userId", async (request) => {
    const application = apps().get(request.params.id);
    const user = state.org.getUser(request.params.userId);
    const scope = apps().scopeOf(application, user.id, groupIdsOf(user.id));
    if (!scope) throw new OktaError("E0000007", `Resource not found: ${user.id} (AppUser)`);
    return appUserJson(application, user.id, scope, originOf(request));
  });

  // Assign: POST /apps/{appId}/users with the user's id (spec `assignUserToApplication`).
  app.post<{ Params: { id: string } }>("/api/v1/apps/:id/users", async (request) => {
    const application = apps().get(request.params.id);
    const body = objectBody(request, ["id", "scope", "credentials", "profile"], "appUser");
    if (typeof body.id !== "string") throw validationFailed("appUser", ["id: the user's id is required"]);
    if (body.scope !== undefined && body.scope !== "USER")
      throw validationFailed("appUser", ["scope: only USER can be assigned directly"]);
    const user = state.org.getUser(body.id);
    apps().assignUser(application, user);
    return appUserJson(application, user.id, "USER", originOf(request));
  });

  app.delete<{ Params: { id: string; userId: string } }>(
    "/api/v1/apps/:id/users/:userId",
    async (request, reply) => {
      const application = apps().get(request.params.id);
      const user = state.org.getUser(request.params.userId);
      apps().unassignUser(application, user.id, groupIdsOf);
      return reply.code(204).send();
    },
  );

  /** Okta's ApplicationGroupAssignment, linking its app and its group. */
  const groupAssignmentJson = (application: AppRecord, groupId: string, origin: string) => ({
    id: groupId,
    priority: 0,
    _links: {
      app: { href: `${origin}/api/v1/apps/${application.id}` },
      group: { href: `${origin}/api/v1/groups/${groupId}` },
    },
  });

  app.get<{ Params: { id: string } }>("/api/v1/apps/:id/groups", async (request, reply) => {
    const application = apps().get(request.params.id);
    const origin = originOf(request);
    const query = queryOf(request);
    // `q`: starts the group's name (the spec's listApplicationGroupAssignments).
    const q = query.q?.toLowerCase();
    const groupIds = apps()
      .groupIds(application)
      .filter((id) => q === undefined || state.org.getGroup(id).profile.name.toLowerCase().startsWith(q));
    const page = listPage(groupIds, query, APP_GROUPS_LIMIT);
    const items = page.items.map((id) => groupAssignmentJson(application, id, origin));
    return sendPage(request, reply, { items, next: page.next }, query, (item) => item);
  });

  // One group's assignment to an app (Okta's `getApplicationGroupAssignment`): 404 when not assigned.
  app.get<{ Params: { id: string; groupId: string } }>(
    "/api/v1/apps/:id/groups/:groupId",
    async (request) => {
      const application = apps().get(request.params.id);
      const group = state.org.getGroup(request.params.groupId);
      if (!apps().groupIds(application).includes(group.id)) throw notFound(group.id, "UserGroup");
      return groupAssignmentJson(application, group.id, originOf(request));
    },
  );

  for (const method of ["PUT", "DELETE"] as const) {
    app.route<{ Params: { id: string; groupId: string } }>({
      method,
      url: "/api/v1/apps/:id/groups/:groupId",
      handler: async (request, reply) => {
        const application = apps().get(request.params.id);
        const group = state.org.getGroup(request.params.groupId);
        if (method === "DELETE") {
          apps().unassignGroup(application, group.id);
          return reply.code(204).send();
        }
        apps().assignGroup(application, group.id);
        return groupAssignmentJson(application, group.id, originOf(request));
      },
    });
  }

  // The apps a group is assigned to (Okta's `listAssignedApplicationsForGroup`: 20 a page by default).
  app.get<{ Params: { id: string } }>("/api/v1/groups/:id/apps", async (request, reply) => {
    const group = state.org.getGroup(request.params.id);
    const query = queryOf(request);
    const assigned = apps().apps.filter((a) => apps().groupIds(a).includes(group.id));
    return sendPage(request, reply, listPage(assigned, query, APP_GROUPS_LIMIT), query, appJson);
  });

  app.get<{ Params: { id: string } }>("/api/v1/users/:id/appLinks", async (request) => {
    const user = state.org.getUser(request.params.id);
    const origin = originOf(request);
    const groupIds = groupIdsOf(user.id);
    return apps()
      .apps.filter((a) => a.status === "ACTIVE" && apps().scopeOf(a, user.id, groupIds))
      .map((a) => ({
        id: `00ub0oNGTSWTBKOLGLNR-${a.id}`,
        appName: a.name,
        appInstanceId: a.id,
        label: a.label,
        linkUrl: `${origin}/home/${a.name}/${a.id}/alnk`,
        logoUrl: `${origin}/assets/img/logos/default.png`,
        appAssignmentId: `0ua${a.id.slice(3)}`,
        credentialsSetup: false,
        hidden: false,
        sortOrder: 0,
      }));
  });
}
