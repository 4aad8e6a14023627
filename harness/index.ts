/** `paceline/harness`: the fake Okta (and, as they land, the gateway and scenario runner). */
export * from "./fake-okta/index.js";
