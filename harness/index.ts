/** `paceline/harness`: the fake Okta, the MCP gateway in front of it, and both started together. */
export * from "./fake-okta/index.js";
export * from "./gateway/index.js";
export * from "./loadtest/index.js";
export * from "./runner/index.js";
export { type Harness, startHarness } from "./start.js";
