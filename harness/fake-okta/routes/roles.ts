import type { FastifyInstance } from "fastify";
import { validationFailed } from "../errors.js";
import { objectBody, originOf, sendPage } from "../http.js";
import { ROLE_TYPES, type RoleType } from "../model.js";
import { groupJson, roleJson } from "../serialize.js";
import type { ServerState } from "../state.js";

/** A user's admin role assignments: list, assign (201; 409 E0000090 on a duplicate), unassign (204). */
export function roleRoutes(app: FastifyInstance, state: ServerState): void {
  app.get<{ Params: { id: string } }>("/api/v1/users/:id/roles", async (request, reply) => {
    const user = state.org.getUser(request.params.id);
    return sendPage(request, reply, { items: state.org.roles(user.id), next: null }, {}, roleJson);
  });

  app.post<{ Params: { id: string } }>("/api/v1/users/:id/roles", async (request, reply) => {
    const user = state.org.getUser(request.params.id);
    const body = objectBody(request, ["type", "resource-set", "role"], "assignRole");
    const type = body.type;
    if (typeof type !== "string" || !ROLE_TYPES.includes(type as RoleType) || type === "CUSTOM") {
      throw validationFailed("type", [
        `type: '${String(type)}' is not one of ${ROLE_TYPES.filter((t) => t !== "CUSTOM").join(", ")}`,
      ]);
    }
    const role = state.org.assignRole(user, type as RoleType);
    return reply.code(201).send(roleJson(role, originOf(request)));
  });

  // Group targets narrow USER_ADMIN, GROUP_MEMBERSHIP_ADMIN and HELP_DESK_ADMIN to some groups.
  app.get<{ Params: { id: string; roleId: string } }>(
    "/api/v1/users/:id/roles/:roleId/targets/groups",
    async (request, reply) => {
      const { org } = state;
      const role = org.getRole(org.getUser(request.params.id), request.params.roleId);
      const groups = role.groupTargets.map((id) => org.getGroup(id));
      return sendPage(request, reply, { items: groups, next: null }, {}, groupJson);
    },
  );
  for (const method of ["PUT", "DELETE"] as const) {
    app.route<{ Params: { id: string; roleId: string; groupId: string } }>({
      method,
      url: "/api/v1/users/:id/roles/:roleId/targets/groups/:groupId",
      handler: async (request, reply) => {
        const { org } = state;
        const user = org.getUser(request.params.id);
        const role = org.getRole(user, request.params.roleId);
        if (method === "PUT") org.addGroupTarget(user, role, org.getGroup(request.params.groupId));
        else org.removeGroupTarget(user, role, request.params.groupId);
        return reply.code(204).send();
      },
    });
  }

  // App targets narrow APP_ADMIN to apps (Okta's CatalogApplication: `id` only for an instance).
  // Other roles have none to list.
  app.get<{ Params: { id: string; roleId: string } }>(
    "/api/v1/users/:id/roles/:roleId/targets/catalog/apps",
    async (request, reply) => {
      const { org } = state;
      const role = org.getRole(org.getUser(request.params.id), request.params.roleId);
      const items = role.appTargets.map((target) => {
        const app = org.catalogApp(target.name, target.appId);
        return {
          ...(target.appId ? { id: target.appId } : {}),
          name: target.name,
          displayName: target.appId ? app?.label : target.name,
          status: "ACTIVE",
          signOnModes: [app?.signOnMode],
          _links: { self: { href: `${originOf(request)}/api/v1/catalog/apps/${target.name}` } },
        };
      });
      return sendPage(request, reply, { items, next: null }, {}, (item) => item);
    },
  );
  // Every app again: the targets go (Okta's `assignAllAppsAsTargetToRoleForUser`).
  app.put<{ Params: { id: string; roleId: string } }>(
    "/api/v1/users/:id/roles/:roleId/targets/catalog/apps",
    async (request) => {
      state.org.targetAllApps(state.org.getRole(state.org.getUser(request.params.id), request.params.roleId));
      return {};
    },
  );
  for (const method of ["PUT", "DELETE"] as const)
    for (const url of [
      "/api/v1/users/:id/roles/:roleId/targets/catalog/apps/:appName",
      "/api/v1/users/:id/roles/:roleId/targets/catalog/apps/:appName/:appId",
    ])
      app.route<{ Params: { id: string; roleId: string; appName: string; appId?: string } }>({
        method,
        url,
        handler: async (request, reply) => {
          const { org } = state;
          const { appName, appId } = request.params;
          const user = org.getUser(request.params.id);
          const role = org.getRole(user, request.params.roleId);
          if (method === "PUT") org.addAppTarget(user, role, appName, appId);
          else org.removeAppTarget(user, role, appName, appId);
          return reply.code(204).send();
        },
      });

  app.delete<{ Params: { id: string; roleId: string } }>(
    "/api/v1/users/:id/roles/:roleId",
    async (request, reply) => {
      const user = state.org.getUser(request.params.id);
      state.org.unassignRole(user, request.params.roleId);
      return reply.code(204).send();
    },
  );
}
