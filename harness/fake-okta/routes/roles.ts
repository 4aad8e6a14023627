import type { FastifyInstance } from "fastify";
import { notFound, validationFailed } from "../errors.js";
import { objectBody, originOf, queryOf, sendPage } from "../http.js";
import { ROLE_TYPES, type RoleAssignment, type RoleType } from "../model.js";
import type { AssignOptions, OktaOrg } from "../org.js";
import { groupJson, roleJson } from "../serialize.js";
import type { ServerState } from "../state.js";

/**
 * Admin role assignments of a user (`/users/{id}/roles`), of a group (`/groups/{id}/roles`, held by
 * its members through it) and of an OAuth 2.0 client (`/oauth2/v1/clients/{clientId}/roles`): list, get, assign (201; 409 E0000090 on a duplicate),
 * unassign (204), and the targets that narrow a role — groups for USER_ADMIN,
 * GROUP_MEMBERSHIP_ADMIN and HELP_DESK_ADMIN, apps for APP_ADMIN.
 */
interface Holder {
  prefix: string;
  roles(org: OktaOrg, id: string): RoleAssignment[];
  role(org: OktaOrg, id: string, roleId: string): RoleAssignment;
  assign(org: OktaOrg, id: string, type: RoleType, options: AssignOptions): RoleAssignment;
  unassign(org: OktaOrg, id: string, roleId: string): void;
}

const HOLDERS: Holder[] = [
  {
    prefix: "/api/v1/users/:id/roles",
    roles: (org, id) => org.roles(org.getUser(id).id),
    role: (org, id, roleId) => org.getRole(org.getUser(id), roleId),
    assign: (org, id, type, options) => org.assignRole(org.getUser(id), type, options),
    unassign: (org, id, roleId) => org.unassignRole(org.getUser(id), roleId),
  },
  {
    prefix: "/api/v1/groups/:id/roles",
    roles: (org, id) => org.groupRoles(org.getGroup(id).id),
    role: (org, id, roleId) => org.getGroupRole(org.getGroup(id), roleId),
    assign: (org, id, type, options) => org.assignGroupRole(org.getGroup(id), type, options),
    unassign: (org, id, roleId) => org.unassignGroupRole(org.getGroup(id), roleId),
  },
  {
    prefix: "/oauth2/v1/clients/:id/roles",
    roles: (org, id) => org.clientRoles(id),
    role: (org, id, roleId) => org.getClientRole(id, roleId),
    assign: (org, id, type, options) => org.assignClientRole(id, type, options),
    unassign: (org, id, roleId) => org.unassignClientRole(id, roleId),
  },
];

type RoleParams = { Params: { id: string; roleId: string } };

export function roleRoutes(app: FastifyInstance, state: ServerState): void {
  for (const holder of HOLDERS) holderRoutes(app, state, holder);

  // A user's role's targets as ORNs (Okta's RoleTarget), from the user's own assignment or, with
  // `assignmentType=GROUP`, from the assignment of a group the user is in.
  app.get<RoleParams>("/api/v1/users/:id/roles/:roleId/targets", async (request) => {
    const { org } = state;
    const user = org.getUser(request.params.id);
    const assignmentType = queryOf(request).assignmentType ?? "USER";
    if (assignmentType !== "USER" && assignmentType !== "GROUP")
      throw validationFailed("assignmentType", [`assignmentType: '${assignmentType}' is not USER or GROUP`]);
    const role =
      assignmentType === "USER"
        ? org.getRole(user, request.params.roleId)
        : org
            .groupsOf(user.id)
            .flatMap((g) => org.groupRoles(g.id))
            .find((r) => r.id === request.params.roleId);
    if (!role) throw notFound(request.params.roleId, "Role");
    const orn = (kind: string, rest: string) => `orn:${state.ornPartition}:${kind}:${org.orgId}:${rest}`;
    return [
      ...role.groupTargets.map((id) => orn("directory", `groups:${id}`)),
      ...role.appTargets.map((t) => orn("idp", `apps:${t.name}${t.appId ? `:${t.appId}` : ""}`)),
    ].map((target) => ({ assignmentType, orn: target }));
  });
}

function holderRoutes(app: FastifyInstance, state: ServerState, holder: Holder): void {
  const { prefix } = holder;
  const roleOf = (params: RoleParams["Params"]) => holder.role(state.org, params.id, params.roleId);

  app.get<{ Params: { id: string } }>(prefix, async (request, reply) =>
    sendPage(request, reply, { items: holder.roles(state.org, request.params.id), next: null }, {}, roleJson),
  );

  app.post<{ Params: { id: string } }>(prefix, async (request, reply) => {
    const body = objectBody(request, ["type", "resource-set", "role"], "assignRole");
    const type = body.type;
    if (typeof type !== "string" || !ROLE_TYPES.includes(type as RoleType))
      throw validationFailed("type", [`type: '${String(type)}' is not one of ${ROLE_TYPES.join(", ")}`]);
    // A CUSTOM role names a custom role and a resource set (Okta's CustomRoleAssignmentSchema).
    const roleId = body.role;
    const resourceSetId = body["resource-set"];
    if (type === "CUSTOM" && (typeof roleId !== "string" || typeof resourceSetId !== "string"))
      throw validationFailed("role", ["role and resource-set: a CUSTOM role names both, by id"]);
    if (type !== "CUSTOM" && (roleId !== undefined || resourceSetId !== undefined))
      throw validationFailed("role", ["role and resource-set: only a CUSTOM role names them"]);
    const custom =
      type === "CUSTOM" ? { roleId: roleId as string, resourceSetId: resourceSetId as string } : undefined;
    const role = holder.assign(state.org, request.params.id, type as RoleType, { custom });
    return reply.code(201).send(roleJson(role, originOf(request)));
  });

  app.get<RoleParams>(`${prefix}/:roleId`, async (request) =>
    roleJson(roleOf(request.params), originOf(request)),
  );

  app.delete<RoleParams>(`${prefix}/:roleId`, async (request, reply) => {
    holder.unassign(state.org, request.params.id, request.params.roleId);
    return reply.code(204).send();
  });

  // Group targets narrow USER_ADMIN, GROUP_MEMBERSHIP_ADMIN and HELP_DESK_ADMIN to some groups.
  app.get<RoleParams>(`${prefix}/:roleId/targets/groups`, async (request, reply) => {
    const groups = roleOf(request.params).groupTargets.map((id) => state.org.getGroup(id));
    return sendPage(request, reply, { items: groups, next: null }, {}, groupJson);
  });
  for (const method of ["PUT", "DELETE"] as const)
    app.route<{ Params: RoleParams["Params"] & { groupId: string } }>({
      method,
      url: `${prefix}/:roleId/targets/groups/:groupId`,
      handler: async (request, reply) => {
        const { org } = state;
        const role = roleOf(request.params);
        if (method === "PUT") org.addGroupTarget(role, org.getGroup(request.params.groupId));
        else org.removeGroupTarget(role, request.params.groupId);
        return reply.code(204).send();
      },
    });

  // App targets narrow APP_ADMIN to apps (Okta's CatalogApplication: `id` only for an instance).
  // Other roles have none to list.
  app.get<RoleParams>(`${prefix}/:roleId/targets/catalog/apps`, async (request, reply) => {
    const items = roleOf(request.params).appTargets.map((target) => {
      const app = state.org.catalogApp(target.name, target.appId);
      return {
        ...(target.appId ? { id: target.appId } : {}),
        name: target.name,
        displayName: target.appId ? app?.label : target.name,
        status: "ACTIVE",
        ...(app ? { signOnModes: [app.signOnMode] } : {}),
        _links: { self: { href: `${originOf(request)}/api/v1/catalog/apps/${target.name}` } },
      };
    });
    return sendPage(request, reply, { items, next: null }, {}, (item) => item);
  });
  // Every app again: the targets go (Okta's `assignAllAppsAsTargetToRole…`).
  app.put<RoleParams>(`${prefix}/:roleId/targets/catalog/apps`, async (request) => {
    state.org.targetAllApps(roleOf(request.params));
    return {};
  });
  for (const method of ["PUT", "DELETE"] as const)
    for (const url of [
      `${prefix}/:roleId/targets/catalog/apps/:appName`,
      `${prefix}/:roleId/targets/catalog/apps/:appName/:appId`,
    ])
      app.route<{ Params: RoleParams["Params"] & { appName: string; appId?: string } }>({
        method,
        url,
        handler: async (request, reply) => {
          const { appName, appId } = request.params;
          const role = roleOf(request.params);
          if (method === "PUT") state.org.addAppTarget(role, appName, appId);
          else state.org.removeAppTarget(role, appName, appId);
          return reply.code(204).send();
        },
      });
}
