import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../shared/clock.js";
import type { GatewayTool } from "./tools.js";

/**
 * The gateway's MCP servers: each is a URL token (stored only as a hash), a tool filter by
 * `config.methods` and `config.tags`, an optional expiry after which the token is deleted, and an
 * optional demand for an API token as well. Tokens are shown once, on creation.
 */
export const McpServerInputSchema = z.strictObject({
  /** Shown in listings and logs: a line of text, not a payload. */
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^\P{Cc}*$/u, "a name is one line of printable text"),
  config: z
    .strictObject({
      /** `read`, `write`, `custom`, method names (`list`, `suspend`) or exact tool names. */
      methods: z.array(z.string().min(1)).min(1).optional(),
      tags: z.array(z.string().min(1)).min(1).optional(),
      require_api_token_auth: z.boolean().default(false),
      /** How an upstream 429 reaches the client: an isError tool result (HTTP 200) or HTTP 429. */
      rate_limit_mode: z.enum(["tool_result", "http_429"]).default("tool_result"),
      /** Streamable HTTP answers as one JSON body or as an SSE stream. */
      response_mode: z.enum(["json", "sse"]).default("json"),
      /**
       * A result as `structuredContent` plus its JSON in a text block (`both`, the MCP spec's advice
       * for backwards compatibility), or as the text block only (`text`: one serialisation). Which
       * one Truto sends is unconfirmed (rate-limits.md), so clients are tested under both.
       */
      result_content: z.enum(["both", "text"]).default("both"),
      /**
       * Which answers carry the budget (`ratelimit-*` headers and `_meta.ratelimit`): every answer,
       * only 429s, or none. Whether Truto reports budgets on successful MCP answers is unconfirmed
       * (rate-limits.md §1.6), so clients are tested under each. An error envelope forwards Okta's
       * own headers whatever this says (rate-limits.md §1.5, confirmed).
       */
      rate_limit_reporting: z.enum(["always", "on_429", "never"]).default("always"),
    })
    .default({
      require_api_token_auth: false,
      rate_limit_mode: "tool_result",
      response_mode: "json",
      result_content: "both",
      rate_limit_reporting: "always",
    }),
  expires_at: z.iso.datetime({ offset: true }).nullable().default(null),
});
export type McpServerInput = z.input<typeof McpServerInputSchema>;
type McpServerConfig = z.output<typeof McpServerInputSchema>["config"];

export interface McpServerRecord {
  id: string;
  name: string;
  config: McpServerConfig;
  expiresAt: number | null;
  tools: GatewayTool[];
  tokenHash: Buffer;
}

export type Resolution =
  | { ok: true; server: McpServerRecord }
  | { ok: false; status: 401 | 404; message: string };

const hash = (token: string) => createHash("sha256").update(token).digest();

/** Applies `config.methods` and `config.tags` to the full tool list. */
export function filterTools(
  tools: GatewayTool[],
  config: Pick<McpServerConfig, "methods" | "tags">,
): GatewayTool[] {
  return tools.filter((tool) => {
    const methodOk =
      !config.methods ||
      config.methods.some((m) => m === tool.kind || m === tool.spec.method || m === tool.name);
    const tagsOk = !config.tags || config.tags.some((tag) => tool.tags.includes(tag));
    return methodOk && tagsOk;
  });
}

export class McpServerRegistry {
  private readonly servers = new Map<string, McpServerRecord>();
  private readonly expired = new Set<string>();
  private readonly apiTokenHashes: Buffer[] = [];
  private nextId = 1;

  constructor(
    private readonly allTools: GatewayTool[],
    private readonly clock: Clock,
  ) {}

  /**
   * Creates a server; the token is returned only here. Throws a message naming the problem. A
   * `token` chosen by the caller (`serve --mcp-token`) pins the URL; otherwise it is random.
   */
  create(input: unknown, chosenToken?: string): { server: McpServerRecord; token: string } {
    if (chosenToken !== undefined && !/^[\w-]{16,128}$/.test(chosenToken))
      throw new RegistryError("token: 16 to 128 letters, digits, '-' or '_'");
    const parsed = McpServerInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new RegistryError(
        parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
      );
    }
    const { name, config, expires_at } = parsed.data;
    const expiresAt = expires_at ? Date.parse(expires_at) : null;
    if (expiresAt !== null && expiresAt < this.clock.now() + 60_000) {
      throw new RegistryError(`expires_at: must be at least 60 seconds in the future, got ${expires_at}`);
    }
    const unknown = (config.methods ?? []).filter(
      (m) => !this.allTools.some((t) => [t.kind, t.spec.method, t.name].includes(m)),
    );
    if (unknown.length > 0)
      throw new RegistryError(
        `config.methods: ${unknown.map((m) => `'${m}'`).join(", ")} is not a kind (read, write, custom), a method (${[...new Set(this.allTools.map((t) => t.spec.method))].sort().join(", ")}) or a tool name`,
      );
    const tools = filterTools(this.allTools, config);
    if (tools.length === 0) throw new RegistryError("config: no tool matches these methods and tags");
    const token = chosenToken ?? randomBytes(24).toString("base64url");
    const server: McpServerRecord = {
      id: `mcp_${this.nextId++}`,
      name,
      config,
      expiresAt,
      tools,
      tokenHash: hash(token),
    };
    this.servers.set(server.id, server);
    return { server, token };
  }

  /** Finds the server a URL token names, enforcing expiry and API-token auth. */
  resolve(token: string, authorization: string | undefined): Resolution {
    const tokenHash = hash(token);
    let found: McpServerRecord | undefined;
    // Compare every hash in constant time; the token itself is never compared or kept.
    for (const server of this.servers.values())
      if (timingSafeEqual(server.tokenHash, tokenHash)) found = server;
    if (!found) {
      const message = this.expired.has(tokenHash.toString("hex"))
        ? "This MCP server URL has expired."
        : "No MCP server at this URL.";
      return { ok: false, status: 404, message };
    }
    if (found.expiresAt !== null && this.clock.now() >= found.expiresAt) {
      this.servers.delete(found.id);
      this.expired.add(tokenHash.toString("hex"));
      return { ok: false, status: 404, message: "This MCP server URL has expired." };
    }
    if (found.config.require_api_token_auth && !this.verifyApiToken(authorization)) {
      return {
        ok: false,
        status: 401,
        message: "This MCP server requires an API token: send Authorization: Bearer <api token>.",
      };
    }
    return { ok: true, server: found };
  }

  createApiToken(): string {
    const token = randomBytes(24).toString("base64url");
    this.apiTokenHashes.push(hash(token));
    return token;
  }

  private verifyApiToken(authorization: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(authorization ?? "");
    if (!match?.[1]) return false;
    const given = hash(match[1]);
    return this.apiTokenHashes.some((h) => timingSafeEqual(h, given));
  }

  describe(server: McpServerRecord) {
    return {
      id: server.id,
      name: server.name,
      config: server.config,
      expires_at: server.expiresAt === null ? null : new Date(server.expiresAt).toISOString(),
      tools: server.tools.map((t) => t.name),
    };
  }
}

export class RegistryError extends Error {
  override name = "RegistryError";
}
