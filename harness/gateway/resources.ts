/**
 * The gateway's resource table: Okta resources, their methods, and how each maps onto the
 * Management API. Tools are generated from this data (tools.ts); nothing here is per-tool code.
 */
export type JsonSchema = Record<string, unknown>;

export interface Param {
  name: string;
  /** Where the argument goes: a path segment, the query string, or the JSON body. */
  in: "path" | "query" | "body";
  schema: JsonSchema;
  required?: boolean;
  description: string;
  /** The Okta query/body/path name, when it differs from the argument's name. */
  oktaName?: string;
}

export type CrudMethod = "list" | "get" | "create" | "update" | "delete";

export interface ResourceMethod {
  /** A CRUD method, or a custom one such as `suspend`. */
  method: CrudMethod | string;
  http: "GET" | "POST" | "PUT" | "DELETE";
  /** Okta path with `{param}` placeholders filled from path params. */
  path: string;
  params: Param[];
  summary: string;
  /** Extra rules for the agent: accepted states, workflow, what to do instead. */
  rules?: string;
  /** Repeating the call changes nothing more (MCP idempotentHint). */
  idempotent?: boolean;
  /** The call removes access or data (MCP destructiveHint). */
  destructive?: boolean;
}

export interface Resource {
  /** Tag and custom-method prefix: `users` → `okta_users_suspend`. */
  name: string;
  /** Names used in CRUD tool names: `list_all_okta_${plural}`, `get_single_okta_${singular}_by_id`. */
  singular: string;
  plural: string;
  methods: ResourceMethod[];
}

/** A required string in the path: every id and login the tools take. */
function pathParam(name: string, description: string): Param {
  return { name, in: "path", schema: { type: "string" }, required: true, description };
}

/** An optional string in the query: filters, searches, cursors the gateway forwards. */
function queryString(name: string, description: string): Param {
  return { name, in: "query", schema: { type: "string" }, description };
}

const userId = pathParam("userId", "The user's id (00u…) or login.");
const groupId = pathParam("groupId", "The group's id (00g…).");
const appId = pathParam("appId", "The application's id (0oa…).");
const roleId = pathParam("roleId", "The role assignment's id (from list_all_okta_user_roles).");
const id = (what: string): Param => pathParam("id", `The ${what}.`);
const sendEmail: Param = {
  name: "sendEmail",
  in: "query",
  schema: { type: "boolean" },
  description: "Send Okta's email to the user.",
};
const profile: Param = {
  name: "profile",
  in: "body",
  schema: {
    type: "object",
    additionalProperties: true,
    description: "Okta profile attributes: login, email, firstName, lastName, department, title…",
  },
  required: true,
  description: "The user's profile attributes.",
};
const search = (fields: string): Param[] => [
  queryString("q", `Starts-with match on ${fields}. Not paginated.`),
  queryString("filter", 'Okta filter expression, e.g. status eq "ACTIVE".'),
  queryString("search", 'Okta search expression, e.g. profile.lastName sw "Sm".'),
];

export const RESOURCES: Resource[] = [
  {
    name: "users",
    singular: "user",
    plural: "users",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/users",
        params: [
          ...search("first name, last name or email"),
          queryString("sortBy", "With search: the property to sort by."),
          {
            name: "sortOrder",
            in: "query",
            schema: { type: "string", enum: ["asc", "desc"] },
            description: "With search: asc or desc.",
          },
        ],
        summary: "List users in the Okta org. Without q/filter/search, DEPROVISIONED users are omitted.",
      },
      {
        method: "get",
        http: "GET",
        path: "/api/v1/users/{id}",
        params: [id("user's id (00u…) or login")],
        summary: "Get one user by id or login, with its current status.",
      },
      {
        method: "create",
        http: "POST",
        path: "/api/v1/users",
        params: [
          profile,
          {
            name: "activate",
            in: "query",
            schema: { type: "boolean" },
            description: "Activate now (default true); false creates a STAGED user.",
          },
          {
            name: "credentials",
            in: "body",
            schema: { type: "object" },
            description: "Optional credentials, e.g. { password: { value } }.",
          },
          {
            name: "groupIds",
            in: "body",
            schema: { type: "array", items: { type: "string" } },
            description: "Groups to add the user to.",
          },
        ],
        summary: "Create a user.",
      },
      {
        method: "update",
        http: "POST",
        path: "/api/v1/users/{id}",
        params: [id("user's id or login"), profile],
        summary: "Update a user's profile (the given attributes are merged).",
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/users/{id}",
        params: [id("user's id or login")],
        summary: "Delete a user.",
        rules:
          "The first call on a user that is not DEPROVISIONED deactivates it; only a second call deletes it, for good.",
        destructive: true,
      },
      lifecycle(
        "suspend",
        "Suspend an ACTIVE user: they cannot sign in; groups and apps are kept.",
        "Accepts only ACTIVE users (otherwise 400 E0000001).",
        { destructive: true },
      ),
      lifecycle(
        "unsuspend",
        "Return a SUSPENDED user to ACTIVE.",
        "Accepts only SUSPENDED users (otherwise 400 E0000001).",
      ),
      lifecycle(
        "activate",
        "Activate a STAGED or DEPROVISIONED user.",
        "Accepts STAGED or DEPROVISIONED users; an ACTIVE user gives 403 E0000016.",
        { params: [sendEmail] },
      ),
      lifecycle(
        "reactivate",
        "Restart activation for a PROVISIONED or RECOVERY user.",
        "Accepts PROVISIONED or RECOVERY users (otherwise 403 E0000038).",
        { params: [sendEmail] },
      ),
      lifecycle(
        "deactivate",
        "Deactivate a user (status DEPROVISIONED): they lose their apps and cannot sign in.",
        "Accepts any status but DEPROVISIONED.",
        { destructive: true, params: [sendEmail] },
      ),
      lifecycle(
        "unlock",
        "Unlock a LOCKED_OUT user.",
        "Accepts only LOCKED_OUT users (otherwise 403 E0000032).",
      ),
      lifecycle(
        "reset_password",
        "Start a password reset: the user goes to RECOVERY.",
        "Not for STAGED, SUSPENDED or DEPROVISIONED users (403 E0000017).",
        {
          params: [
            sendEmail,
            {
              name: "revokeSessions",
              in: "query",
              schema: { type: "boolean" },
              description: "Also end the user's sessions.",
            },
          ],
        },
      ),
      lifecycle(
        "reset_factors",
        "Reset every MFA factor the user has enrolled.",
        "Accepts any status; the user's status does not change.",
        { destructive: true },
      ),
      lifecycle(
        "expire_password",
        "Expire the password: the user must change it at next sign-in.",
        "Accepts ACTIVE, PASSWORD_EXPIRED or RECOVERY users.",
      ),
    ],
  },
  {
    name: "user_sessions",
    singular: "user_session",
    plural: "user_sessions",
    methods: [
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/users/{userId}/sessions",
        params: [userId],
        summary: "Clear all of a user's Okta sessions (signs them out everywhere).",
        rules: "Safe to repeat.",
        idempotent: true,
      },
    ],
  },
  {
    name: "user_factors",
    singular: "user_factor",
    plural: "user_factors",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/users/{userId}/factors",
        params: [userId],
        summary: "List a user's enrolled MFA factors (push, TOTP, SMS, email, security key, question).",
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/users/{userId}/factors/{id}",
        params: [userId, id("factor's id")],
        summary: "Reset (unenroll) one of a user's factors, e.g. a lost phone's.",
        destructive: true,
      },
    ],
  },
  {
    name: "user_app_links",
    singular: "user_app_link",
    plural: "user_app_links",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/users/{userId}/appLinks",
        params: [userId],
        summary:
          "List the apps a user can reach (directly or through a group), as their dashboard shows them.",
      },
    ],
  },
  {
    name: "apps",
    singular: "app",
    plural: "apps",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/apps",
        params: [
          queryString("q", "The start of an app's label or name."),
          queryString("filter", 'e.g. status eq "ACTIVE".'),
        ],
        summary: "List the org's applications.",
      },
      {
        method: "get",
        http: "GET",
        path: "/api/v1/apps/{id}",
        params: [id("app's id (0oa…)")],
        summary: "Get one application by id.",
      },
      {
        method: "activate",
        http: "POST",
        path: "/api/v1/apps/{appId}/lifecycle/activate",
        params: [appId],
        summary: "Activate an INACTIVE application.",
      },
      {
        method: "deactivate",
        http: "POST",
        path: "/api/v1/apps/{appId}/lifecycle/deactivate",
        params: [appId],
        summary: "Deactivate an application: nobody can sign in to it through Okta.",
        destructive: true,
      },
    ],
  },
  {
    name: "app_users",
    singular: "app_user",
    plural: "app_users",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/apps/{appId}/users",
        params: [appId],
        summary: "List who can reach an app, each with scope USER (direct) or GROUP (through a group).",
      },
      {
        method: "create",
        http: "POST",
        path: "/api/v1/apps/{appId}/users",
        params: [
          appId,
          {
            name: "userId",
            in: "body",
            oktaName: "id",
            schema: { type: "string" },
            required: true,
            description: "The user's id (00u…).",
          },
        ],
        summary: "Assign an app to a user directly.",
        idempotent: true,
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/apps/{appId}/users/{id}",
        params: [appId, id("user's id (00u…)")],
        summary: "Remove a user's direct assignment of an app.",
        rules: "A user who has the app through a group cannot be unassigned here (403).",
        destructive: true,
      },
    ],
  },
  {
    name: "app_groups",
    singular: "app_group",
    plural: "app_groups",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/apps/{appId}/groups",
        params: [appId],
        summary: "List the groups an app is assigned to.",
      },
      {
        method: "create",
        http: "PUT",
        path: "/api/v1/apps/{appId}/groups/{groupId}",
        params: [appId, groupId],
        summary: "Assign an app to a group: its members can reach the app.",
        idempotent: true,
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/apps/{appId}/groups/{id}",
        params: [appId, id("group's id (00g…)")],
        summary: "Remove an app from a group.",
        destructive: true,
      },
    ],
  },
  {
    name: "user_groups",
    singular: "user_group",
    plural: "user_groups",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/users/{userId}/groups",
        params: [userId],
        summary: "List the groups a user belongs to.",
      },
    ],
  },
  {
    name: "user_roles",
    singular: "user_role",
    plural: "user_roles",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/users/{userId}/roles",
        params: [userId],
        summary: "List a user's admin role assignments (SUPER_ADMIN, ORG_ADMIN, …).",
      },
      {
        method: "create",
        http: "POST",
        path: "/api/v1/users/{userId}/roles",
        params: [
          userId,
          {
            name: "type",
            in: "body",
            schema: { type: "string" },
            required: true,
            description: "The role type, e.g. HELP_DESK_ADMIN.",
          },
        ],
        summary: "Assign an admin role to a user (409 E0000090 if already assigned).",
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/users/{userId}/roles/{id}",
        params: [userId, id("role assignment's id")],
        summary: "Remove an admin role assignment.",
        destructive: true,
      },
    ],
  },
  {
    name: "user_role_targets",
    singular: "user_role_target",
    plural: "user_role_targets",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/users/{userId}/roles/{roleId}/targets/groups",
        params: [userId, roleId],
        summary: "List the groups an admin role is narrowed to (none: the whole org).",
      },
      {
        method: "create",
        http: "PUT",
        path: "/api/v1/users/{userId}/roles/{roleId}/targets/groups/{groupId}",
        params: [userId, roleId, groupId],
        summary: "Narrow a USER_ADMIN, GROUP_MEMBERSHIP_ADMIN or HELP_DESK_ADMIN role to one more group.",
        rules: "Other role types take no targets (400 E0000001).",
        idempotent: true,
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/users/{userId}/roles/{roleId}/targets/groups/{groupId}",
        params: [userId, roleId, groupId],
        summary: "Remove a group from an admin role's targets.",
        idempotent: true,
      },
    ],
  },
  {
    name: "groups",
    singular: "group",
    plural: "groups",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/groups",
        params: search("group name"),
        summary: "List groups.",
      },
      {
        method: "get",
        http: "GET",
        path: "/api/v1/groups/{id}",
        params: [id("group's id (00g…)")],
        summary: "Get one group by id.",
      },
      {
        method: "create",
        http: "POST",
        path: "/api/v1/groups",
        params: [
          {
            name: "profile",
            in: "body",
            schema: {
              type: "object",
              properties: { name: { type: "string" }, description: { type: "string" } },
              required: ["name"],
            },
            required: true,
            description: "The group's name and description.",
          },
        ],
        summary: "Create an OKTA_GROUP.",
      },
      {
        method: "update",
        http: "PUT",
        path: "/api/v1/groups/{id}",
        params: [
          id("group's id (00g…)"),
          {
            name: "profile",
            in: "body",
            schema: {
              type: "object",
              properties: { name: { type: "string" }, description: { type: "string" } },
              required: ["name"],
            },
            required: true,
            description: "The group's new name and description (the whole profile is replaced).",
          },
        ],
        summary: "Replace an OKTA_GROUP's profile.",
        rules: "Only OKTA_GROUPs can be changed; APP_GROUPs and Everyone are refused.",
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/groups/{id}",
        params: [id("group's id (00g…)")],
        summary: "Delete an OKTA_GROUP, and with it every membership in it.",
        rules: "Only OKTA_GROUPs can be deleted. Members lose the access the group gave them.",
        destructive: true,
      },
    ],
  },
  {
    name: "group_members",
    singular: "group_member",
    plural: "group_members",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/groups/{groupId}/users",
        params: [groupId],
        summary: "List the users in a group.",
      },
      {
        method: "create",
        http: "PUT",
        path: "/api/v1/groups/{groupId}/users/{userId}",
        params: [groupId, { ...userId, description: "The user's id (00u…)." }],
        summary: "Add a user to an OKTA_GROUP.",
        rules: "Safe to repeat: adding a member twice changes nothing.",
        idempotent: true,
      },
      {
        method: "delete",
        http: "DELETE",
        path: "/api/v1/groups/{groupId}/users/{id}",
        params: [groupId, id("member's user id (00u…)")],
        summary: "Remove a user from an OKTA_GROUP.",
        idempotent: true,
      },
    ],
  },
  {
    name: "system_logs",
    singular: "system_log",
    plural: "system_logs",
    methods: [
      {
        method: "list",
        http: "GET",
        path: "/api/v1/logs",
        params: [
          queryString("since", "ISO 8601 start (default: 7 days before until)."),
          queryString("until", "ISO 8601 end. Set it to get a bounded query that ends."),
          queryString("filter", 'SCIM filter, e.g. outcome.result eq "FAILURE".'),
          queryString("q", "Keywords, all of which must match."),
          {
            name: "sortOrder",
            in: "query",
            schema: { type: "string", enum: ["ASCENDING", "DESCENDING"] },
            description: "Order by time.",
          },
        ],
        summary: "Query the System Log.",
        rules: "Without `until` this is a polling request: its next_cursor never runs out.",
      },
    ],
  },
];

function lifecycle(
  method: string,
  summary: string,
  accepts: string,
  extra: { destructive?: boolean; params?: Param[] } = {},
): ResourceMethod {
  return {
    method,
    http: "POST",
    path: `/api/v1/users/{userId}/lifecycle/${method}`,
    params: [userId, ...(extra.params ?? [])],
    summary,
    rules: accepts,
    destructive: extra.destructive,
  };
}
