// A consumer of a running `paceline serve` (or the container): connect through paceline's client,
// drain every user across pages, and count admins. Prints one JSON line.
//   node examples/consumer.mjs http://127.0.0.1:8081/mcp/<token>
import { connect } from "paceline/client";

const mcpUrl = process.argv[2] ?? process.env.PACELINE_MCP_URL;
if (!mcpUrl) {
  console.error("usage: node examples/consumer.mjs <MCP URL>   (paceline serve prints it)");
  process.exit(2);
}
const client = await connect(mcpUrl);
try {
  const users = await client.drain("list_all_okta_users", { limit: 200 });
  let admins = 0;
  for (const user of users.items) {
    const roles = await client.callTool("list_all_okta_user_roles", { userId: user.id });
    if (JSON.parse(roles.content[0].text).result.length > 0) admins++;
  }
  console.log(
    JSON.stringify({ users: users.items.length, pages: users.pages, admins, stats: client.stats() }),
  );
} finally {
  await client.close();
}
