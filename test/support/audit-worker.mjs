// A worker process for the shared-limiter test: audits the given users' roles through the built
// client and prints its stats as one JSON line. Args: mcpUrl, redis url or "-"; env AUDIT_USERS:
// comma-separated user ids.
import { connect } from "../../dist/client/index.js";

const [mcpUrl, redisUrl] = process.argv.slice(2);
const userIds = process.env.AUDIT_USERS ?? "";
const client = await connect(mcpUrl, {
  limiter: {
    maxConcurrent: 8,
    ...(redisUrl !== "-" ? { redis: { url: redisUrl, keyPrefix: "audit-test" } } : {}),
  },
  retry: { baseDelayMs: 50 },
});
const ids = userIds.split(",");
await Promise.all(ids.map((userId) => client.callTool("list_all_okta_user_roles", { userId })));
process.stdout.write(`${JSON.stringify(client.stats())}\n`);
await client.close();
process.exit(0);
