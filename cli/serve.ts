import { existsSync } from "node:fs";
import { FaultScheduleSchema } from "../harness/fake-okta/faults.js";
import { FixtureSchema } from "../harness/fake-okta/fixture.js";
import { RateLimitConfigSchema } from "../harness/fake-okta/rate-limits.js";
import {
  type Fixture,
  type Harness,
  LIMIT_PRESETS,
  type RateLimitConfig,
  startHarness,
} from "../harness/index.js";
import { readYamlAs } from "../harness/shared/yaml-file.js";

export interface ServeOptions {
  port: number;
  gatewayPort: number;
  host: string;
  allowedHosts?: string[];
  mcpToken?: string;
  journalCapacity: number;
  seed: number;
  users: number;
  groups: number;
  logs: number;
  fixture?: string;
  limits: string;
  resetRounding?: "up" | "down";
  faults?: string;
  token?: string;
  methods?: string[];
  tags?: string[];
  rateLimitMode: "tool_result" | "http_429";
  resultContent: "both" | "text";
  responseMode: "json" | "sse";
  json: boolean;
}

/** `paceline serve`: starts the fake Okta and the MCP gateway (127.0.0.1 unless `--host`) and prints where they listen. */
export async function serve(options: ServeOptions): Promise<Harness> {
  const fixture: Fixture = options.fixture
    ? await readYamlAs(FixtureSchema, options.fixture)
    : { seed: options.seed, generate: { users: options.users, groups: options.groups, logs: options.logs } };
  const harness = await startHarness({
    oktaPort: options.port,
    gatewayPort: options.gatewayPort,
    host: options.host,
    allowedHosts: options.allowedHosts,
    mcpToken: options.mcpToken,
    journalCapacity: options.journalCapacity,
    fixture,
    limits: await resolveLimits(options.limits, options.resetRounding),
    faults: options.faults ? await readYamlAs(FaultScheduleSchema, options.faults) : undefined,
    token: options.token,
    mcpServer: {
      name: "default",
      config: {
        methods: options.methods,
        tags: options.tags,
        rate_limit_mode: options.rateLimitMode,
        result_content: options.resultContent,
        response_mode: options.responseMode,
      },
    },
  }).catch((error: unknown) => Promise.reject(portInUse(error, options) ?? error));
  const { okta, gateway } = harness;
  const summary = harness.summary();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const { org } = okta.state;
    process.stdout.write(
      [
        `fake Okta listening on ${okta.url}  (${org.users.length} users, ${org.groups.length} groups, ${org.logs.length} log events; limits: ${options.limits})`,
        `  API token:  SSWS ${okta.token}`,
        `  admin API:  ${okta.adminUrl}/state, /faults, /limits, /journal, /reset`,
        `MCP gateway: ${gateway.mcpUrl}`,
        `  admin API:  ${gateway.adminUrl}/mcp-servers, /api-tokens`,
        `  try:        curl -H 'Authorization: SSWS ${okta.token}' '${okta.url}/api/v1/users?limit=2'`,
        "Ctrl-C stops it.",
        "",
      ].join("\n"),
    );
  }
  return harness;
}

/**
 * `okta`, `tight`, `none`, or a YAML/JSON file with `{windowMs, concurrency, buckets}`; a
 * `resetRounding` given on the command line overrides the file's.
 */
export async function resolveLimits(value: string, resetRounding?: "up" | "down"): Promise<RateLimitConfig> {
  const limits = await readLimits(value);
  return resetRounding ? { ...limits, resetRounding } : limits;
}

async function readLimits(value: string): Promise<RateLimitConfig> {
  if (Object.hasOwn(LIMIT_PRESETS, value)) return LIMIT_PRESETS[value as keyof typeof LIMIT_PRESETS];
  if (!existsSync(value))
    throw new Error(
      `--limits: '${value}' is neither a preset (${Object.keys(LIMIT_PRESETS).join(", ")}) nor a file`,
    );
  return readYamlAs(RateLimitConfigSchema, value);
}

/** A port already taken, named by the option and the listener it was for. */
function portInUse(error: unknown, options: { port: number; gatewayPort: number }): Error | undefined {
  const e = error as { code?: unknown; port?: unknown; address?: unknown };
  if (e?.code !== "EADDRINUSE") return undefined;
  const which =
    e.port === options.port
      ? "--port (the fake Okta)"
      : e.port === options.gatewayPort
        ? "--gateway-port (the MCP gateway)"
        : "a listener's port";
  return new Error(
    `${which}: ${String(e.address)}:${String(e.port)} is already in use; choose another, or 0 for a free one`,
  );
}
