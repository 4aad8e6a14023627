import type { CallToolResult, Tool } from "@modelcontextprotocol/client";
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageCustomToolCall,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionToolMessageParam,
} from "openai/resources/chat/completions";
import type {
  FunctionTool,
  ResponseFunctionToolCall,
  ResponseInputItem,
} from "openai/resources/responses/responses";
import { resultJson } from "./backoff/result-signal.js";
import type { PacedClient } from "./client.js";
import { RateLimitedError } from "./errors.js";

/**
 * Hands the gateway's tools to OpenAI: function tools for Chat Completions or the Responses API,
 * and a runner that executes the model's tool calls through the client's pacing and retries and
 * returns the messages to feed back. Errors come back as short, actionable text, never as throws.
 */
export type OpenAIToolCall = ChatCompletionMessageFunctionToolCall | ResponseFunctionToolCall;
export type OpenAIToolOutput = ChatCompletionToolMessageParam | ResponseInputItem.FunctionCallOutput;
/** What the SDK hands back for a turn's tool calls: Chat Completions' `message.tool_calls` or Responses' function calls. */
export type ModelToolCalls =
  | readonly (OpenAIToolCall | ChatCompletionMessageCustomToolCall)[]
  | null
  | undefined;

/**
 * Why an output the model sees is an error: `rate_limited` (a 429 the client could not absorb),
 * `server` (the tool ran and the server refused, e.g. an Okta error), `failed` (the call may not
 * have run: transport, timeout), `bad_call` (no such tool, arguments not JSON). Harnesses count
 * these instead of parsing the output's wording.
 */
export type ToolErrorKind = "rate_limited" | "server" | "failed" | "bad_call";

/** One tool call's result for the model: the text it reads, and whether that text reports an error. */
export interface ToolOutcome {
  output: string;
  error?: ToolErrorKind;
}

/** JSON Schema keywords OpenAI's function parameters reject or ignore. */
const DROP_KEYS = new Set([
  "$schema",
  "$id",
  "$comment",
  "examples",
  "readOnly",
  "writeOnly",
  "deprecated",
  "contentMediaType",
  "contentEncoding",
]);

export function cleanSchema(schema: unknown): Record<string, unknown> {
  const clean = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(clean);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) if (!DROP_KEYS.has(key)) out[key] = clean(value);
    return out;
  };
  const root = clean(schema) as Record<string, unknown>;
  const properties = (root.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(root.required)
    ? root.required.filter((name) => typeof name === "string" && name in properties)
    : [];
  return { ...root, type: "object", properties, required };
}

/** OpenAI function names allow `[a-zA-Z0-9_-]{1,64}`. */
export function functionName(toolName: string): string {
  return toolName.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
}

const LIFECYCLE_CODES = new Set(["E0000001", "E0000016", "E0000017", "E0000032", "E0000038"]);

export class OpenAIAdapter {
  constructor(private readonly client: PacedClient) {}

  /** The tools as OpenAI function tools: `chat` (default) or `responses` shape. */
  tools(options: { format: "responses"; filter?: (tool: Tool) => boolean }): FunctionTool[];
  tools(options?: { format?: "chat"; filter?: (tool: Tool) => boolean }): ChatCompletionFunctionTool[];
  tools(
    options: { format?: "chat" | "responses"; filter?: (tool: Tool) => boolean } = {},
  ): (ChatCompletionFunctionTool | FunctionTool)[] {
    const tools = this.client.listTools().filter(options.filter ?? (() => true));
    return tools.map((tool) => {
      const parameters = cleanSchema(tool.inputSchema);
      const description = (tool.description ?? tool.name).slice(0, 1024);
      const name = functionName(tool.name);
      return options.format === "responses"
        ? { type: "function", name, description, parameters, strict: false }
        : { type: "function", function: { name, description, parameters } };
    });
  }

  /**
   * Runs the model's tool calls (concurrently, paced) and returns the messages to send back, in
   * order. Takes exactly what the SDK hands back (`message.tool_calls`, possibly undefined); a
   * custom (non-function) tool call gets an error message saying so.
   */
  async run(toolCalls: ModelToolCalls): Promise<OpenAIToolOutput[]> {
    return (await this.runDetailed(toolCalls)).map((r) => r.message);
  }

  /** As `run`, with each call's outcome (its error kind) beside the message. */
  async runDetailed(
    toolCalls: ModelToolCalls,
  ): Promise<{ message: OpenAIToolOutput; outcome: ToolOutcome }[]> {
    return Promise.all(
      (toolCalls ?? []).map(async (call) => {
        if ("custom" in call) {
          const outcome: ToolOutcome = {
            output: `Error: ${call.custom.name} is not one of the function tools you were given.`,
            error: "bad_call",
          };
          return { message: { role: "tool", tool_call_id: call.id, content: outcome.output }, outcome };
        }
        const isChat = "function" in call;
        const name = isChat ? call.function.name : call.name;
        const rawArgs = isChat ? call.function.arguments : call.arguments;
        const id = isChat ? call.id : call.call_id;
        const outcome = await this.execute(name, rawArgs);
        const message: OpenAIToolOutput = isChat
          ? { role: "tool", tool_call_id: id, content: outcome.output }
          : { type: "function_call_output", call_id: id, output: outcome.output };
        return { message, outcome };
      }),
    );
  }

  /** One call's output for the model, and whether it reports an error. */
  async execute(functionNameFromModel: string, rawArguments: string): Promise<ToolOutcome> {
    const tool = this.client.listTools().find((t) => functionName(t.name) === functionNameFromModel);
    if (!tool)
      return {
        output: `Error: there is no tool named ${functionNameFromModel}. Use one of the tools you were given.`,
        error: "bad_call",
      };
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = rawArguments.trim() === "" ? {} : JSON.parse(rawArguments);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        throw new Error("not an object");
      args = parsed as Record<string, unknown>;
    } catch {
      return {
        output: `Error: the arguments for ${tool.name} are not a JSON object. Send them again as JSON.`,
        error: "bad_call",
      };
    }
    try {
      if (this.client.options.pagination?.autoDrain && isListTool(tool) && args.next_cursor === undefined) {
        return { output: await this.drainForModel(tool.name, args) };
      }
      const result = await this.client.callTool(tool.name, args);
      return result.isError
        ? { output: this.explainError(result), error: "server" }
        : { output: resultText(result) };
    } catch (error) {
      if (error instanceof RateLimitedError) {
        const seconds =
          error.retryAfterMs === undefined ? "a while" : `${Math.ceil(error.retryAfterMs / 1000)} s`;
        return {
          output: `Rate limited by Okta: try ${tool.name} again in ${seconds}, or continue with other work first.`,
          error: "rate_limited",
        };
      }
      return {
        output: `Error: ${tool.name} failed (${(error as Error).message}). It may not have run; check the current state before repeating a change.`,
        error: "failed",
      };
    }
  }

  /** All pages merged into one result, with `truncated` when a cap cut it short. */
  private async drainForModel(tool: string, args: Record<string, unknown>): Promise<string> {
    const drained = await this.client.drain(tool, args);
    return JSON.stringify({
      result: drained.items,
      next_cursor: null,
      pages: drained.pages,
      truncated: drained.truncated,
      ...(drained.stopReason !== "end" ? { stop_reason: drained.stopReason } : {}),
    });
  }

  /** Okta's error code and summary, and what to do instead. */
  private explainError(result: CallToolResult): string {
    const envelope = resultJson(result) ?? {};
    const raw = (envelope.raw_response ?? {}) as {
      errorCode?: string;
      errorSummary?: string;
      errorCauses?: { errorSummary?: string }[];
    };
    const code = raw.errorCode;
    const summary = [
      raw.errorSummary ?? envelope.message ?? "unknown error",
      ...(raw.errorCauses ?? []).map((c) => c.errorSummary),
    ]
      .filter(Boolean)
      .join(". ");
    const parts = [
      `Error from Okta${code ? ` ${code}` : ""} (${String(envelope.statusCode ?? "?")}): ${summary}.`,
    ];
    // E0000001 is any validation failure; only a status refusal gets the lifecycle advice.
    const aboutStatus = code !== "E0000001" || /suspend|activ|status|lifecycle/i.test(summary);
    if (code && LIFECYCLE_CODES.has(code) && aboutStatus) {
      parts.push(
        "Do not repeat this call: read the user's current status, then choose the operation that status accepts (see the tool descriptions), or report it.",
      );
    } else if (code === "E0000007") {
      parts.push(
        "Nothing has that id: look it up first with a list tool (q or search) and use the exact id.",
      );
    } else if (code === "E0000090") {
      parts.push("The user already has this role: nothing to do.");
    } else {
      parts.push("Do not repeat the call unchanged.");
    }
    return parts.join(" ");
  }
}

function isListTool(tool: Tool): boolean {
  const properties = (tool.inputSchema as { properties?: Record<string, unknown> }).properties ?? {};
  return "next_cursor" in properties;
}

function resultText(result: CallToolResult): string {
  const text = result.content?.find((block) => block.type === "text");
  if (text && "text" in text) return text.text;
  return JSON.stringify(result.structuredContent ?? {});
}
