import {
  type CrudMethod,
  type JsonSchema,
  RESOURCES,
  type Resource,
  type ResourceMethod,
} from "./resources.js";

/** A tool as the gateway serves it, generated from one row of the resource table. */
export interface GatewayTool {
  name: string;
  description: string;
  inputSchema: JsonSchema & { type: "object"; properties: Record<string, JsonSchema>; required: string[] };
  annotations: {
    title: string;
    readOnlyHint: boolean;
    destructiveHint: boolean;
    idempotentHint: boolean;
    openWorldHint: boolean;
  };
  /** Resource-level and method-level tags (`users`, `users.suspend`), for `config.tags`. */
  tags: string[];
  /** `read` (list, get), `write` (create, update, delete) or `custom` (suspend, …), for `config.methods`. */
  kind: "read" | "write" | "custom";
  resource: Resource;
  spec: ResourceMethod;
}

const CRUD = new Set<string>(["list", "get", "create", "update", "delete"]);

/** The gateway's naming convention: `list_all_okta_users`, `get_single_okta_user_by_id`, `okta_users_suspend`. */
export function toolName(resource: Resource, spec: ResourceMethod): string {
  const byId = spec.params.some((p) => p.name === "id" && p.in === "path") ? "_by_id" : "";
  switch (spec.method as CrudMethod) {
    case "list":
      return `list_all_okta_${resource.plural}`;
    case "get":
      return `get_single_okta_${resource.singular}_by_id`;
    case "create":
      return `create_a_okta_${resource.singular}`;
    case "update":
      return `update_a_okta_${resource.singular}${byId}`;
    case "delete":
      return `delete_a_okta_${resource.singular}${byId}`;
    default:
      return `okta_${resource.name}_${spec.method}`;
  }
}

const PAGINATION = {
  limit: { type: "integer", minimum: 1, description: "Page size." },
  next_cursor: {
    type: "string",
    description:
      "The next_cursor value from the previous page of this tool. Pass it back exactly as received, with the same other arguments as the call that returned it; omit it for the first page. A null next_cursor means there are no more pages.",
  },
};

function describe(spec: ResourceMethod): string {
  const lines = [spec.summary];
  if (spec.rules) lines.push(spec.rules);
  if (spec.method === "list") {
    lines.push(
      "Returns { result: [...], next_cursor }. To get more, call again with next_cursor passed back exactly as received; stop when next_cursor is null.",
    );
  }
  return lines.join("\n\n");
}

export function buildTool(resource: Resource, spec: ResourceMethod): GatewayTool {
  const name = toolName(resource, spec);
  const properties: Record<string, JsonSchema> = {};
  for (const param of spec.params)
    properties[param.name] = { ...param.schema, description: param.description };
  if (spec.method === "list") Object.assign(properties, PAGINATION);
  const kind =
    spec.method === "list" || spec.method === "get" ? "read" : CRUD.has(spec.method) ? "write" : "custom";
  return {
    name,
    description: describe(spec),
    inputSchema: {
      type: "object",
      properties,
      required: spec.params.filter((p) => p.required).map((p) => p.name),
    },
    annotations: {
      title: spec.summary.split(/[.:]/)[0] ?? name,
      readOnlyHint: kind === "read",
      destructiveHint: spec.destructive === true,
      idempotentHint: kind === "read" || spec.idempotent === true,
      openWorldHint: true,
    },
    tags: [resource.name, `${resource.name}.${spec.method}`],
    kind,
    resource,
    spec,
  };
}

/** Every tool of the resource table. */
export function buildTools(resources: Resource[] = RESOURCES): GatewayTool[] {
  return resources.flatMap((resource) => resource.methods.map((spec) => buildTool(resource, spec)));
}
