export { CursorCodec, nextLinkPath } from "./cursor.js";
export type { RateLimitMode, ResponseMode } from "./mcp-endpoint.js";
export type { ErrorEnvelope, Upstream } from "./proxy.js";
export { fromOktaHeaders, type RateLimitInfo } from "./rate-limit.js";
export { RESOURCES, type Resource, type ResourceMethod } from "./resources.js";
export { type Gateway, type GatewayOptions, startGateway } from "./server.js";
export { filterTools, type McpServerInput, McpServerInputSchema } from "./servers.js";
export { buildTools, type GatewayTool, toolName } from "./tools.js";
