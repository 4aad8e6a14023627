import { type FakeOkta, type FakeOktaOptions, startFakeOkta } from "./fake-okta/server.js";
import { type Gateway, startGateway } from "./gateway/gateway-app.js";
import type { McpServerInput } from "./gateway/server-registry.js";

export interface Harness {
  okta: FakeOkta;
  gateway: Gateway;
  /** `{oktaUrl, oktaToken, adminUrl, mcpUrl, gatewayAdminUrl}`: what `paceline serve --json` prints. */
  summary(): Record<string, string>;
  close(): Promise<void>;
}

/** Starts the fake Okta and the MCP gateway in front of it, both on 127.0.0.1. */
export async function startHarness(
  options: FakeOktaOptions & {
    oktaPort?: number;
    gatewayPort?: number;
    mcpServer?: McpServerInput;
    /** The default MCP server's URL token, pinned (default: random). */
    mcpToken?: string;
    cursorSecret?: string;
    cursorTtlMs?: number;
  } = {},
): Promise<Harness> {
  const okta = await startFakeOkta({ ...options, port: options.oktaPort });
  const gateway = await startGateway({
    upstream: { baseUrl: okta.url, token: okta.token },
    defaultServer: options.mcpServer,
    clock: options.clock,
    port: options.gatewayPort,
    cursorSecret: options.cursorSecret,
    cursorTtlMs: options.cursorTtlMs,
    allowedHosts: options.allowedHosts,
    host: options.host,
    defaultServerToken: options.mcpToken,
  });
  return {
    okta,
    gateway,
    summary: () => ({
      oktaUrl: okta.url,
      oktaToken: okta.token,
      adminUrl: okta.adminUrl,
      mcpUrl: gateway.mcpUrl,
      gatewayAdminUrl: gateway.adminUrl,
    }),
    close: async () => {
      await gateway.close();
      await okta.close();
    },
  };
}
