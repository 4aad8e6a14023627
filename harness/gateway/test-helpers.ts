import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { Fixture } from "../fake-okta/fixture.js";
import type { FakeOktaOptions } from "../fake-okta/server.js";
import { type Harness, startHarness } from "../start.js";
import type { McpServerInput } from "./server-registry.js";

/** What the HTTP layer saw for each JSON-RPC method: status and rate-limit headers. */
export interface Seen {
  method: string;
  status: number;
  headers: Record<string, string | null>;
}

/** An official SDK v2 client on a gateway URL, with a fetch that records each response's headers. */
export async function connectClient(
  url: string,
  options: { sse?: boolean; headers?: Record<string, string> } = {},
) {
  const seen: Seen[] = [];
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    const body = typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }) : undefined;
    if (body?.method) {
      const pick = (name: string) => response.headers.get(name);
      seen.push({
        method: body.method,
        status: response.status,
        headers: Object.fromEntries(
          ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "retry-after", "content-type"].map(
            (h) => [h, pick(h)],
          ),
        ),
      });
    }
    return response;
  };
  const requestInit = options.headers ? { headers: options.headers } : undefined;
  const transport = options.sse
    ? new SSEClientTransport(new URL(url.replace(/\/?$/, "/sse")), { fetch: recordingFetch, requestInit })
    : new StreamableHTTPClientTransport(new URL(url), { fetch: recordingFetch, requestInit });
  const client = new Client({ name: "paceline-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, seen };
}

export async function harnessWith(
  fixture: Fixture,
  options: Partial<FakeOktaOptions> & { mcpServer?: McpServerInput; cursorTtlMs?: number } = {},
): Promise<Harness> {
  return startHarness({ fixture, limits: "none", ...options });
}

/** The structured content of a tool result. */
export function structured<T = Record<string, unknown>>(result: unknown): T {
  return (result as { structuredContent: T }).structuredContent;
}
