/**
 * An optional hint: Okta's published rate-limit buckets by endpoint (okta-api.md §3: an exact
 * template first, then the longest prefix, by method). paceline never maps tool names onto it;
 * a user who knows which endpoint each of their gateway's tools calls can declare buckets with it:
 *
 *   limiter: { bucketOf: (tool) => oktaBucketOfEndpoint(...myToolTable[tool]) }
 */
const OKTA_ENDPOINT_BUCKETS: { methods?: string[]; path: string; bucket: string }[] = [
  { methods: ["GET"], path: "/api/v1/users/{id}", bucket: "okta:users-get" },
  { methods: ["POST", "PUT", "DELETE"], path: "/api/v1/users/{id}*", bucket: "okta:users-write" },
  { methods: ["GET", "POST"], path: "/api/v1/users", bucket: "okta:users-list-create" },
  { path: "/api/v1/groups", bucket: "okta:groups-list-create" },
  { path: "/api/v1/groups/{id}*", bucket: "okta:groups-id" },
  { path: "/api/v1/logs*", bucket: "okta:logs" },
  { path: "/api/v1/apps*", bucket: "okta:apps" },
  { path: "/api/v1/*", bucket: "okta:other" },
];

function matches(template: string, path: string): { exact: boolean; length: number } | undefined {
  const prefix = template.endsWith("*");
  const parts = (prefix ? template.slice(0, -1) : template).split("/");
  const actual = path.split("?")[0]?.split("/") ?? [];
  if (prefix ? actual.length < parts.length : actual.length !== parts.length) return undefined;
  for (const [i, part] of parts.entries()) {
    if (part === "" && i === parts.length - 1 && prefix) continue;
    if (!/^\{\w+\}$/.test(part) && part !== actual[i]) return undefined;
  }
  return { exact: !prefix, length: template.length };
}

/** The Okta bucket an endpoint counts against, or undefined outside `/api/v1`. */
export function oktaBucketOfEndpoint(method: string, path: string): string | undefined {
  let best: { bucket: string; length: number } | undefined;
  for (const rule of OKTA_ENDPOINT_BUCKETS) {
    if (rule.methods && !rule.methods.includes(method.toUpperCase())) continue;
    const match = matches(rule.path, path);
    if (!match) continue;
    if (match.exact) return rule.bucket;
    if (!best || match.length > best.length) best = { bucket: rule.bucket, length: match.length };
  }
  return best?.bucket;
}
