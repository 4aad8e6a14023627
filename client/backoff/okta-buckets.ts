import type { ToolSafety } from "./retry-policy.js";

/**
 * Which Okta rate-limit bucket a gateway tool's endpoint counts against, from Okta's published
 * table (okta-api.md §3: an exact template first, then the longest prefix, by method). Pacing per
 * Okta bucket matters: a user's roles and groups are different resources but one Okta bucket
 * ("other /api/v1"), and two client buckets spending one server budget would overspend it.
 */
const OKTA_BUCKETS: [RegExp, string][] = [
  [/^(list_all_okta_users|create_a_okta_user)$/, "okta:users-list-create"],
  [/^get_single_okta_user_by_id$/, "okta:users-get"],
  // POST, PUT and DELETE under /api/v1/users/{id}: updates, lifecycle, sessions, role changes.
  [
    /^(update_a_okta_user_by_id|delete_a_okta_user_by_id|okta_users_\w+|delete_a_okta_user_session|create_a_okta_user_role|delete_a_okta_user_role_by_id)$/,
    "okta:users-write",
  ],
  [/^(list_all_okta_groups|create_a_okta_group)$/, "okta:groups-list-create"],
  [
    /^(get_single_okta_group_by_id|list_all_okta_group_members|create_a_okta_group_member|delete_a_okta_group_member_by_id)$/,
    "okta:groups-id",
  ],
  [/^list_all_okta_system_logs$/, "okta:logs"],
  [/^(list_all_okta_user_groups|list_all_okta_user_roles)$/, "okta:other"],
];

/** The Okta bucket of a gateway tool, or undefined for a tool this table does not know. */
export function oktaBucketOf(tool: string, _safety?: ToolSafety): string | undefined {
  return OKTA_BUCKETS.find(([pattern]) => pattern.test(tool))?.[1];
}
