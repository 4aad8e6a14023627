export { CursorCodec, nextLinkPath } from "./cursor.js";
export { type Gateway, type GatewayOptions, startGateway } from "./gateway-app.js";
export type { ErrorEnvelope, Upstream } from "./proxy.js";
export { fromOktaHeaders, type RateLimitInfo } from "./rate-limit.js";
export { RESOURCES, type Resource, type ResourceMethod } from "./resources.js";
export { filterTools, type McpServerInput, McpServerInputSchema } from "./server-registry.js";
export type { RateLimitMode, ResponseMode } from "./streamable-http.js";
export { buildTools, type GatewayTool, toolName } from "./tools.js";
