import { createMCPClient } from "@ai-sdk/mcp";
import { loadMcpTools } from "@langchain/mcp-adapters";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as SdkV1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as SdkV1StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { MCPServerStreamableHttp } from "@openai/agents";
import pLimit from "p-limit";

/**
 * Four agent frameworks' own MCP clients, each opened with or without a custom fetch (pacedFetch),
 * behind one small interface; and the role audit their agents would run. Shared by the pacedFetch
 * tests and `npm run bench:frameworks`.
 */
export type ToolResult = { isError?: boolean; content?: { type: string; text?: string }[] };

export async function sdkClient(url: string, fetch?: typeof globalThis.fetch) {
  const client = new Client({ name: "framework-under-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), fetch ? { fetch } : {}));
  return client;
}

/** A framework's own MCP client, opened with or without a custom fetch. */
export interface FrameworkClient {
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

export const FRAMEWORKS: Record<
  string,
  (url: string, fetch?: typeof globalThis.fetch) => Promise<FrameworkClient>
> = {
  "MCP SDK Client": async (url, fetch) => {
    const client = await sdkClient(url, fetch);
    return {
      call: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
      close: () => client.close(),
    };
  },
  // @openai/agents: MCPServerStreamableHttp takes `fetch` and hands it to the SDK transport.
  "@openai/agents": async (url, fetch) => {
    const server = new MCPServerStreamableHttp({ url, name: "okta", ...(fetch ? { fetch } : {}) });
    await server.connect();
    return {
      call: async (name, args) => (await server.callToolResult(name, args)) as ToolResult,
      close: () => server.close(),
    };
  },
  // Vercel AI SDK: createMCPClient's http transport takes `fetch`.
  "@ai-sdk/mcp": async (url, fetch) => {
    const client = await createMCPClient({ transport: { type: "http", url, ...(fetch ? { fetch } : {}) } });
    return {
      call: async (name, args) => (await client.callTool({ name, arguments: args })) as ToolResult,
      close: () => client.close(),
    };
  },
  // LangChain: MultiServerMCPClient's connection config has no fetch (its schema strips unknown
  // keys), so the next best hook: an SDK Client on a transport with pacedFetch, given to loadMcpTools.
  "@langchain/mcp-adapters": async (url, fetch) => {
    const client = new SdkV1Client({ name: "langchain", version: "1.0.0" });
    await client.connect(new SdkV1StreamableHTTPClientTransport(new URL(url), fetch ? { fetch } : {}));
    const tools = new Map((await loadMcpTools("okta", client)).map((tool) => [tool.name, tool]));
    return {
      call: async (name, args) => {
        const tool = tools.get(name);
        if (!tool) throw new Error(`LangChain has no tool ${name}`);
        try {
          // The adapter answers with the result's content block(s), and throws on an isError result.
          const output = (await tool.invoke(args)) as unknown;
          const block = (Array.isArray(output) ? output[0] : output) as { text?: string } | string;
          const text = typeof block === "string" ? block : (block?.text ?? "");
          return { content: [{ type: "text", text }] };
        } catch {
          return { isError: true };
        }
      },
      close: () => client.close(),
    };
  },
};

/** The audit a framework's agent would run: every user (page by page), then each user's roles, 16 at a time. */
export async function roleAudit(client: FrameworkClient) {
  const users: { id: string }[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await client.call("list_all_okta_users", {
      limit: 200,
      ...(cursor ? { next_cursor: cursor } : {}),
    });
    const body = JSON.parse(page.content?.[0]?.text ?? "{}") as {
      result?: { id: string }[];
      next_cursor?: string | null;
    };
    users.push(...(body.result ?? []));
    cursor = body.next_cursor;
  } while (cursor);
  const limit = pLimit(16);
  const results = await Promise.all(
    users.map((user) => limit(() => client.call("list_all_okta_user_roles", { userId: user.id }))),
  );
  return { users: users.length, errors: results.filter((r) => r.isError).length };
}
